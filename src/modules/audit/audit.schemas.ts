import { Type, type Static } from 'typebox';
import { Instant, Nullable, PageQuery, Uuid } from '../../http/schemas.ts';

const Bound = (description: string) => Type.String({ format: 'date-time', maxLength: 40, description });

export const AuditQuery = PageQuery({
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'e.g. member.removed' })),
  entityType: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'e.g. member, hospital, subscription' })),
  entityId: Type.Optional(Uuid),
  actorUserId: Type.Optional(Uuid),
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
    actorUserId: Type.Union([Uuid, Type.Null()], { description: 'null for scheduled tasks' }),
    requestId: Nullable(Type.String()),
    changes: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'Names of changed fields, never their values' }),
    metadata: Nullable(Type.Record(Type.String(), Type.Unknown())),
    createdAt: Instant,
    updatedAt: Type.String({ format: 'date-time', description: 'Events are immutable: always equal to createdAt' }),
  },
  { $id: 'AuditEvent' },
);
