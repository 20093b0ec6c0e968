import { Type, type Static } from 'typebox';
import { Instant, Nullable, PageQuery, Uuid } from '../../http/schemas.ts';
import { deliveryChannels, deliveryStatuses } from '../../infra/db/schema/notifications.ts';

const Channel = Type.Enum([...deliveryChannels]);
const DeliveryStatus = Type.Enum([...deliveryStatuses], {
  description: 'queued: waiting (or deferred); sent; failed: last attempt failed, a retry is scheduled; dead: given up; skipped: deliberately not sent',
});

export const DeliveryQuery = PageQuery({ status: Type.Optional(DeliveryStatus), channel: Type.Optional(Channel) });
export type DeliveryQueryInput = Static<typeof DeliveryQuery>;

export const Delivery = Type.Object(
  {
    id: Uuid,
    messageId: { ...Uuid, description: 'The outbox message: the same id across retries and redeliveries' },
    channel: Channel,
    template: Type.String({ description: 'Email/SMS template, or the event type for an event that notified no one' }),
    recipient: Nullable(Type.String()),
    status: DeliveryStatus,
    attempts: Type.Integer({ minimum: 0 }),
    lastError: Nullable(Type.String()),
    sentAt: Nullable(Instant),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { $id: 'Delivery' },
);

export const DeadLetterQuery = PageQuery({
  replayed: Type.Optional(Type.Boolean({ description: 'false: only those still waiting for an operator' })),
});
export type DeadLetterQueryInput = Static<typeof DeadLetterQuery>;

export const DeadLetter = Type.Object(
  {
    id: Uuid,
    messageId: Uuid,
    hospitalId: Nullable(Uuid),
    queue: Type.String(),
    type: Type.String(),
    reason: Type.String(),
    attempts: Type.Integer({ minimum: 0 }),
    source: Type.Enum(['consumer', 'broker']),
    replayedAt: Nullable(Instant),
    replayedBy: Nullable(Uuid),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { $id: 'DeadLetter' },
);
