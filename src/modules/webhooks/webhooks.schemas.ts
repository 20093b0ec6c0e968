import { Type, type Static } from 'typebox';
import { IdParams, Instant, Nullable, PageQuery, Uuid } from '../../http/schemas.ts';
import { deliveryStatuses } from '../../infra/db/schema/notifications.ts';
import { TEST_WEBHOOK_EVENT, webhookEventTypes } from './events.ts';

const EventType = Type.Enum([...webhookEventTypes], { description: 'An event an endpoint can subscribe to' });
const Events = Type.Array(EventType, { minItems: 1, maxItems: webhookEventTypes.length, uniqueItems: true });
const Url = Type.String({
  format: 'uri',
  maxLength: 2000,
  pattern: '^https?://',
  description: 'http(s) URL that receives a POST per event; it must resolve to public addresses only',
});

export const CreateWebhookBody = Type.Object(
  { url: Url, events: Events, active: Type.Optional(Type.Boolean({ default: true })) },
  { additionalProperties: false, examples: [{ url: 'https://hooks.example.com/tempus', events: ['appointment.booked', 'appointment.cancelled'] }] },
);
export type CreateWebhookInput = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Object(
  { url: Type.Optional(Url), events: Type.Optional(Events), active: Type.Optional(Type.Boolean({ description: 'true also re-enables an endpoint Tempus disabled' })) },
  { additionalProperties: false, minProperties: 1, examples: [{ active: true }] },
);
export type UpdateWebhookInput = Static<typeof UpdateWebhookBody>;

export const WebhookParams = IdParams;
export const WebhookDeliveryParams = Type.Object({ id: Uuid, deliveryId: Uuid }, { additionalProperties: false });

export const ListWebhooksQuery = PageQuery();
export type ListWebhooksInput = Static<typeof ListWebhooksQuery>;

const DeliveryStatus = Type.Enum([...deliveryStatuses].filter((s) => s !== 'skipped'), {
  description: 'queued: waiting for its (next) attempt; sent: the receiver answered 2xx; failed: the last attempt failed, a retry is scheduled; dead: given up',
});
export const ListWebhookDeliveriesQuery = PageQuery({ status: Type.Optional(DeliveryStatus) });
export type ListWebhookDeliveriesInput = Static<typeof ListWebhookDeliveriesQuery>;

export const Webhook = Type.Object(
  {
    id: Uuid,
    url: Type.String(),
    events: Type.Array(EventType),
    active: Type.Boolean(),
    disabledAt: Nullable(Instant),
    disabledReason: Nullable(Type.String()),
    failingSince: Nullable({ ...Instant, description: 'First failed attempt since the last success' }),
    rotationEndsAt: Nullable({ ...Instant, description: 'Until then, the secret before the last rotation signs too' }),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { $id: 'Webhook' },
);

export const WebhookWithSecret = Type.Intersect(
  [Webhook, Type.Object({ secret: Type.String({ pattern: '^whsec_', description: 'The signing secret, shown only now' }) })],
  { $id: 'WebhookWithSecret' },
);

export const WebhookSecret = Type.Object(
  {
    secret: Type.String({ pattern: '^whsec_', description: 'The new signing secret, shown only now' }),
    rotationEndsAt: Nullable({ ...Instant, description: 'The old secret signs alongside the new one until then' }),
  },
  { $id: 'WebhookSecret' },
);

export const WebhookDelivery = Type.Object(
  {
    id: { ...Uuid, description: 'The message id: the webhook-id header the receiver saw, the same on every attempt' },
    eventType: Type.String({ examples: ['appointment.booked', TEST_WEBHOOK_EVENT] }),
    status: DeliveryStatus,
    attempts: Type.Integer({ minimum: 0 }),
    lastStatusCode: Nullable(Type.Integer({ description: 'HTTP status of the last attempt; null when no answer came' })),
    lastError: Nullable(Type.String()),
    nextAttemptAt: Nullable(Instant),
    deliveredAt: Nullable(Instant),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { $id: 'WebhookDelivery' },
);
