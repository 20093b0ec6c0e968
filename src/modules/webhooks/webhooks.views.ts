import type { EndpointRow, WebhookDeliveryRow } from './webhooks.repo.ts';
import type { WebhookEventType } from './events.ts';

/** An endpoint as the API shows it: never its secrets. */
export function webhookView(row: EndpointRow, now: Date = new Date()) {
  const previousValid = row.previousSecretUntil && row.previousSecretUntil.getTime() > now.getTime() ? row.previousSecretUntil : null;
  return {
    id: row.id,
    url: row.url,
    events: row.events as WebhookEventType[],
    active: row.active,
    disabledAt: row.disabledAt?.toISOString() ?? null,
    disabledReason: row.disabledReason,
    failingSince: row.failingSince?.toISOString() ?? null,
    rotationEndsAt: previousValid?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function webhookDeliveryView(row: WebhookDeliveryRow) {
  return {
    id: row.id,
    eventType: row.eventType,
    status: row.status === 'skipped' ? ('dead' as const) : row.status,
    attempts: row.attempts,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
