import { Type, type Static } from 'typebox';
import { IdParams, Instant, Name, Nullable, PageQuery, Uuid } from '../../http/schemas.ts';
import { SubdomainParam } from '../hospitals/hospitals.schemas.ts';
import { ResourceKind } from '../resources/resources.schemas.ts';

export const MIN_VISIT_MINUTES = 5;
export const MAX_VISIT_MINUTES = 480;
export const MAX_BUFFER_MINUTES = 240;

const Duration = Type.Integer({ minimum: MIN_VISIT_MINUTES, maximum: MAX_VISIT_MINUTES, description: `Length of the visit in minutes (${MIN_VISIT_MINUTES}–${MAX_VISIT_MINUTES})` });
const Buffer = (when: string) =>
  Type.Integer({ minimum: 0, maximum: MAX_BUFFER_MINUTES, description: `Minutes the doctor and the resources stay blocked ${when} the visit (0–${MAX_BUFFER_MINUTES})` });
const DoctorIds = Type.Array(Uuid, { maxItems: 200, uniqueItems: true, description: 'The active doctors of the hospital who offer this visit type' });
const Requires = Type.Array(ResourceKind, {
  maxItems: 10,
  description: 'Resource kinds the visit needs, one free resource per entry for the whole visit plus buffers; a kind listed twice needs two',
});
const Color = Type.String({ pattern: '^#[0-9a-fA-F]{6}$', maxLength: 7, description: 'A display colour, #rrggbb' });

export const CreateVisitTypeBody = Type.Object(
  {
    name: Name,
    durationMinutes: Duration,
    bufferBeforeMinutes: Type.Optional(Buffer('before')),
    bufferAfterMinutes: Type.Optional(Buffer('after')),
    doctorIds: DoctorIds,
    requires: Type.Optional(Requires),
    bookableOnline: Type.Optional(Type.Boolean({ description: 'Offered on the public booking pages (default true)' })),
    color: Type.Optional(Color),
  },
  {
    additionalProperties: false,
    examples: [
      {
        name: 'MRI scan with preparation',
        durationMinutes: 45,
        bufferBeforeMinutes: 15,
        bufferAfterMinutes: 10,
        doctorIds: ['0b7e3a52-6f0e-4c7b-9a57-3f2d8e1c9a10'],
        requires: ['mri'],
        bookableOnline: false,
        color: '#3366cc',
      },
    ],
  },
);
export type CreateVisitTypeInput = Static<typeof CreateVisitTypeBody>;

export const UpdateVisitTypeBody = Type.Object(
  {
    name: Type.Optional(Name),
    durationMinutes: Type.Optional(Duration),
    bufferBeforeMinutes: Type.Optional(Buffer('before')),
    bufferAfterMinutes: Type.Optional(Buffer('after')),
    doctorIds: Type.Optional(DoctorIds),
    requires: Type.Optional(Requires),
    bookableOnline: Type.Optional(Type.Boolean()),
    color: Type.Optional(Nullable(Color)),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ durationMinutes: 60, requires: ['exam-room', 'exam-room'] }] },
);
export type UpdateVisitTypeInput = Static<typeof UpdateVisitTypeBody>;

export const ListVisitTypesQuery = PageQuery({
  doctorId: Type.Optional({ ...Uuid, description: 'Only visit types this doctor offers' }),
  active: Type.Optional(Type.Boolean()),
});
export type ListVisitTypesInput = Static<typeof ListVisitTypesQuery>;

export const VisitTypeParams = IdParams;

export const VisitType = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    durationMinutes: Type.Integer(),
    bufferBeforeMinutes: Type.Integer(),
    bufferAfterMinutes: Type.Integer(),
    doctorIds: Type.Array(Uuid),
    requires: Type.Array(Type.String()),
    bookableOnline: Type.Boolean(),
    color: Nullable(Type.String()),
    active: Type.Boolean(),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { $id: 'VisitType' },
);

/** What the public booking pages show of a visit type. */
export const PublicVisitType = Type.Object(
  { id: Uuid, name: Type.String(), durationMinutes: Type.Integer(), color: Nullable(Type.String()), doctorIds: Type.Array(Uuid) },
  { $id: 'PublicVisitType' },
);

export const PublicVisitTypesParams = Type.Object({ subdomain: SubdomainParam }, { additionalProperties: false });
export const PublicVisitTypesQuery = PageQuery();
export type PublicVisitTypesInput = Static<typeof PublicVisitTypesQuery>;
