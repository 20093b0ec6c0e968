import { Type, type Static } from 'typebox';
import { Instant, Nullable, PageQuery, Uuid } from '../../http/schemas.ts';

const Bound = (description: string) => Type.String({ format: 'date-time', maxLength: 40, description });

export const AuditQuery = PageQuery({
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'e.g. member.removed' })),
  entityType: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'e.g. member, hospital, subscription' })),
  entityId: Type.Optional(Uuid),
  actorUserId: Type.Optional(Uuid),
  actorType: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('patient')], { description: 'Staff (user) or the patient through a self-service link' })),
  actorPatientId: Type.Optional(Uuid),
  from: Type.Optional(Bound('Inclusive lower bound (ISO 8601 instant)')),
  to: Type.Optional(Bound('Exclusive upper bound (ISO 8601 instant)')),
});
export type AuditQueryInput = Static<typeof AuditQuery>;

export const AuditEvent = Type.Object(
  {
    id: Uuid,
    action: Type.String(),
    entityType: Type.String(),
    entityId: Nullable(Uuid),
    actorType: Type.Union([Type.Literal('user'), Type.Literal('patient')], {
      description: "'user': a staff member (or a scheduled task, actorUserId null); 'patient': the patient through a self-service link (actorPatientId)",
    }),
    actorUserId: Type.Union([Uuid, Type.Null()], { description: "null for scheduled tasks and for patients' own actions" }),
    actorPatientId: Type.Union([Uuid, Type.Null()], { description: 'The patient who acted, for actorType patient; otherwise null' }),
    requestId: Nullable(Type.String()),
    changes: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'Names of changed fields, never their values' }),
    metadata: Nullable(Type.Record(Type.String(), Type.Unknown())),
    createdAt: Instant,
    updatedAt: Type.String({ format: 'date-time', description: 'Events are immutable: always equal to createdAt' }),
  },
  { $id: 'AuditEvent' },
);
