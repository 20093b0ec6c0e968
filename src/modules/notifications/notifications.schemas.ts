import { Type, type Static } from 'typebox';
import { deliveryChannels, deliveryStatuses } from '../../infra/db/schema/notifications.ts';

const Uuid = Type.String({ format: 'uuid' });
const Instant = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const DeliveryQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(deliveryStatuses.map((s) => Type.Literal(s)))),
    channel: Type.Optional(Type.Union(deliveryChannels.map((c) => Type.Literal(c)))),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type DeliveryQueryInput = Static<typeof DeliveryQuery>;

export const Delivery = Type.Object({
  id: Uuid,
  messageId: Type.String({ format: 'uuid', description: 'The outbox message: the same id across retries and redeliveries' }),
  channel: Type.Union(deliveryChannels.map((c) => Type.Literal(c))),
  template: Type.String({ description: 'Email/SMS template, or the event type for an event that notified no one' }),
  recipient: Nullable(Type.String()),
  status: Type.Union(deliveryStatuses.map((s) => Type.Literal(s)), {
    description: 'queued: waiting (or deferred); sent; failed: last attempt failed, a retry is scheduled; dead: given up; skipped: deliberately not sent',
  }),
  attempts: Type.Integer({ minimum: 0 }),
  lastError: Nullable(Type.String()),
  sentAt: Nullable(Instant),
  createdAt: Instant,
  updatedAt: Instant,
});

export const DeadLetterQuery = Type.Object(
  {
    replayed: Type.Optional(Type.Boolean({ description: 'false: only those still waiting for an operator' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type DeadLetterQueryInput = Static<typeof DeadLetterQuery>;

export const DeadLetter = Type.Object({
  id: Uuid,
  messageId: Uuid,
  hospitalId: Nullable(Uuid),
  queue: Type.String(),
  type: Type.String(),
  reason: Type.String(),
  attempts: Type.Integer({ minimum: 0 }),
  source: Type.Union([Type.Literal('consumer'), Type.Literal('broker')]),
  replayedAt: Nullable(Instant),
  replayedBy: Nullable(Uuid),
  createdAt: Instant,
  updatedAt: Instant,
});

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
