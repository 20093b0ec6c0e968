import type { TenantScope } from '../../infra/db/tenant.ts';
import { enqueueJob } from '../notifications/jobs.ts';
import { subscribedEndpointIds } from './webhooks.repo.ts';

/**
 * The events an endpoint can subscribe to (SPEC section 16). Payloads carry
 * ids, times, statuses and the resource's `version` — never clinical text or
 * a patient's contact data: a receiver that needs more reads it through the
 * API with its own credentials. `waitlist.offered` is declared for the
 * waitlist work that emits it.
 */
export const webhookEventTypes = [
  'appointment.booked',
  'appointment.cancelled',
  'appointment.rescheduled',
  'appointment.completed',
  'appointment.no_show',
  'patient.created',
  'patient.updated',
  'visit_note.signed',
  'waitlist.offered',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** Sent only by POST /v1/webhooks/:id/test, to that endpoint alone. */
export const TEST_WEBHOOK_EVENT = 'webhook.test';

/** What every event's `data` holds at least: the resource and its version (receivers discard older versions). */
export interface WebhookEventData {
  id: string;
  version: number;
  [field: string]: string | number | null;
}

export interface WebhookEvent {
  type: string;
  timestamp: string;
  data: WebhookEventData | Record<string, string | number | null>;
}

/**
 * Writes one webhook job per endpoint subscribed to `type`, in the caller's
 * transaction (the change and its events commit or roll back together).
 *
 * One outbox row per endpoint rather than one fan-out job: each endpoint's
 * retries, backoff and dead letter are its own (a receiver that is down does
 * not hold back another), the delivery is in the endpoint's log from the
 * moment of the change, and there is no second hop through a fan-out queue.
 * The price is one indexed read of the hospital's endpoints per change.
 */
export async function emitWebhookEvent(scope: TenantScope, type: WebhookEventType, data: WebhookEventData, at: Date = new Date()): Promise<void> {
  await emitWebhookEventTo(scope, await subscribedEndpointIds(scope, type), type, data, at);
}

/** emitWebhookEvent to endpoints the caller already read (subscribedEndpointsJson in one of its own queries). */
export async function emitWebhookEventTo(scope: TenantScope, endpointIds: readonly string[], type: WebhookEventType, data: WebhookEventData, at: Date = new Date()): Promise<void> {
  const event: WebhookEvent = { type, timestamp: at.toISOString(), data };
  for (const endpointId of endpointIds) await enqueueWebhook(scope, endpointId, event);
}

/** One event to one endpoint; returns the delivery's message id (the `webhook-id` header). */
export function enqueueWebhook(scope: TenantScope, endpointId: string, event: WebhookEvent): Promise<string> {
  return enqueueJob(scope, { channel: 'webhook', template: event.type, to: endpointId, data: { ...event } });
}
