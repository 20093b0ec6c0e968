import { Type, type Static } from 'typebox';

export const AuditQuery = Type.Object(
  {
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'e.g. member.removed' })),
    entityType: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'e.g. member, hospital, subscription' })),
    entityId: Type.Optional(Type.String({ format: 'uuid' })),
    actorUserId: Type.Optional(Type.String({ format: 'uuid' })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive lower bound (ISO 8601 instant)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive upper bound (ISO 8601 instant)' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type AuditQueryInput = Static<typeof AuditQuery>;

export const AuditEvent = Type.Object({
  id: Type.String({ format: 'uuid' }),
  action: Type.String(),
  entityType: Type.String(),
  entityId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  actorUserId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'null for scheduled tasks' }),
  requestId: Type.Union([Type.String(), Type.Null()]),
  changes: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'Names of changed fields, never their values' }),
  metadata: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time', description: 'Events are immutable: always equal to createdAt' }),
});
