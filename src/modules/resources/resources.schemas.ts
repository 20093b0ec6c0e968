import { Type, type Static } from 'typebox';
import { IdParams, Instant, Name, Nullable, PageQuery, Uuid } from '../../http/schemas.ts';
import { RESOURCE_KIND_PATTERN } from '../../infra/db/schema/resources.ts';

/** A resource kind as visit types require it: a lowercase slug. */
export const ResourceKind = Type.String({
  minLength: 1,
  maxLength: 50,
  pattern: RESOURCE_KIND_PATTERN,
  description: 'A lowercase slug naming what the resource is, e.g. exam-room, mri',
});

export const CreateResourceBody = Type.Object(
  { name: Name, kind: ResourceKind, active: Type.Optional(Type.Boolean({ default: true })) },
  { additionalProperties: false, examples: [{ name: 'MRI 1', kind: 'mri' }] },
);
export type CreateResourceInput = Static<typeof CreateResourceBody>;

export const UpdateResourceBody = Type.Object(
  { name: Type.Optional(Name), kind: Type.Optional(ResourceKind), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1, examples: [{ name: 'Exam room 2 (east wing)' }] },
);
export type UpdateResourceInput = Static<typeof UpdateResourceBody>;

export const ListResourcesQuery = PageQuery({
  kind: Type.Optional(ResourceKind),
  active: Type.Optional(Type.Boolean({ description: 'Only active (true) or deactivated (false) resources' })),
});
export type ListResourcesInput = Static<typeof ListResourcesQuery>;

export const ResourceParams = IdParams;

export const Resource = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    kind: Type.String(),
    active: Type.Boolean(),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { $id: 'Resource' },
);

const InstantIn = Type.String({ format: 'date-time', maxLength: 40, description: 'ISO 8601 instant with offset, e.g. 2030-03-14T09:00:00+01:00' });

export const CreateResourceTimeOffBody = Type.Object(
  { start: InstantIn, end: InstantIn, reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false, examples: [{ start: '2030-03-18T08:00:00+01:00', end: '2030-03-18T12:00:00+01:00', reason: 'Maintenance' }] },
);
export type CreateResourceTimeOffInput = Static<typeof CreateResourceTimeOffBody>;

export const ListResourceTimeOffQuery = PageQuery();
export type ListResourceTimeOffInput = Static<typeof ListResourceTimeOffQuery>;

export const ResourceTimeOffParams = Type.Object({ id: Uuid, timeOffId: Uuid }, { additionalProperties: false });

export const ResourceTimeOff = Type.Object(
  { id: Uuid, resourceId: Uuid, start: Instant, end: Instant, reason: Nullable(Type.String()), createdAt: Instant, updatedAt: Instant },
  { $id: 'ResourceTimeOff' },
);
