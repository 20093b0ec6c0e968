import { desc, eq, sql, type SQL } from 'drizzle-orm';
import { rawRows } from '../../infra/db/client.ts';
import { afterCursor, instant, microsecondKey } from '../../infra/db/fragments.ts';
import { webhookAttempts, webhookEndpoints } from '../../infra/db/schema/webhooks.ts';
import type { DeliveryStatus } from '../../infra/db/schema/notifications.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type EndpointValues = Omit<typeof webhookEndpoints.$inferInsert, 'id' | 'hospitalId' | 'createdAt' | 'updatedAt'>;

export async function insertEndpoint(scope: TenantScope, values: EndpointValues): Promise<EndpointRow> {
  const [row] = await scope.insert(webhookEndpoints, values).returning();
  return row!;
}

export async function findEndpoint(scope: TenantScope, id: string, opts: { forUpdate?: boolean } = {}): Promise<EndpointRow | null> {
  const query = scope.select(webhookEndpoints, eq(webhookEndpoints.id, id)).limit(1);
  const [row] = opts.forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

export async function listEndpoints(scope: TenantScope, after: CursorPosition | null, limit: number): Promise<(EndpointRow & { cursorKey: string })[]> {
  const rows = await scope.tx
    .select({ row: webhookEndpoints, cursorKey: microsecondKey(webhookEndpoints.createdAt) })
    .from(webhookEndpoints)
    .where(scope.where(webhookEndpoints, afterCursor(after, [webhookEndpoints.createdAt, webhookEndpoints.id], 'desc')))
    .orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id))
    .limit(limit + 1);
  return rows.map((r) => ({ ...r.row, cursorKey: r.cursorKey }));
}

export async function updateEndpoint(scope: TenantScope, id: string, changes: Partial<EndpointValues>): Promise<EndpointRow | null> {
  const [row] = await scope.update(webhookEndpoints, { ...changes, updatedAt: new Date() }, eq(webhookEndpoints.id, id)).returning();
  return row ?? null;
}

export async function deleteEndpoint(scope: TenantScope, id: string): Promise<boolean> {
  const rows = await scope.delete(webhookEndpoints, eq(webhookEndpoints.id, id)).returning({ id: webhookEndpoints.id });
  return rows.length > 0;
}

/** Active endpoints of the hospital that subscribed to `type`. */
export async function subscribedEndpointIds(scope: TenantScope, type: string): Promise<string[]> {
  const [row] = await rawRows<{ ids: string[] }>(scope.tx, sql`select ${subscribedEndpointsJson(sql`${scope.hospitalId}::uuid`, type)} as ids`);
  return row?.ids ?? [];
}

/** The same ids as a json array, for a read that takes them along in its own round trip (a booking's context). */
export function subscribedEndpointsJson(hospitalId: SQL, type: string): SQL {
  return sql`coalesce((select json_agg(e.id) from webhook_endpoints e
                        where e.hospital_id = ${hospitalId} and e.active and e.events @> array[${type}::text]), '[]'::json)`;
}

export interface AttemptRecord {
  endpointId: string;
  messageId: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  at: Date;
}

export async function insertAttempt(scope: TenantScope, a: AttemptRecord): Promise<void> {
  await scope.insert(webhookAttempts, {
    endpointId: a.endpointId,
    messageId: a.messageId,
    statusCode: a.statusCode,
    error: a.error,
    durationMs: Math.round(a.durationMs),
    createdAt: a.at,
  });
}

/** A success ends the endpoint's failing streak. */
export async function markEndpointHealthy(scope: TenantScope, id: string): Promise<void> {
  await scope.tx.execute(
    sql`update webhook_endpoints set failing_since = null where hospital_id = ${scope.hospitalId}::uuid and id = ${id}::uuid and failing_since is not null`,
  );
}

/** Starts (or continues) the failing streak; returns when it began. */
export async function markEndpointFailing(scope: TenantScope, id: string, at: Date): Promise<Date | null> {
  const [row] = await rawRows<{ failing_since: Date }>(
    scope.tx,
    sql`update webhook_endpoints set failing_since = coalesce(failing_since, ${instant(at)})
         where hospital_id = ${scope.hospitalId}::uuid and id = ${id}::uuid
        returning failing_since`,
  );
  return row?.failing_since ?? null;
}

/** Disables an endpoint that is still active (once: concurrent failures race for the row); true when this call did. */
export async function disableEndpoint(scope: TenantScope, id: string, at: Date, reason: string): Promise<boolean> {
  const rows = await rawRows<{ id: string }>(
    scope.tx,
    sql`update webhook_endpoints set active = false, disabled_at = ${instant(at)}, disabled_reason = ${reason}, updated_at = now()
         where hospital_id = ${scope.hospitalId}::uuid and id = ${id}::uuid and active
        returning id`,
  );
  return rows.length > 0;
}

/** Who hears that an endpoint was disabled: the hospital's owners, and its name for the email. */
export async function disableNoticeRecipients(scope: TenantScope): Promise<{ hospitalName: string; emails: string[] }> {
  const rows = await rawRows<{ name: string; email: string | null }>(
    scope.tx,
    sql`select h.name, m.email from hospitals h left join hospital_members m on m.hospital_id = h.id and m.role = 'owner'
         where h.id = ${scope.hospitalId}::uuid`,
  );
  return { hospitalName: rows[0]?.name ?? 'your hospital', emails: rows.flatMap((r) => (r.email ? [r.email] : [])) };
}

export interface WebhookDeliveryRow {
  id: string;
  messageId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  cursorKey: string;
}

interface RawWebhookDelivery {
  id: string;
  message_id: string;
  template: string;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  sent_at: Date | null;
  created_at: Date;
  updated_at: Date;
  cursor_key: string;
}

const DELIVERY_COLUMNS = sql`d.id, d.message_id, d.template, d.status, d.attempts, d.last_error, d.sent_at, d.created_at, d.updated_at,
  ${microsecondKey(sql`d.created_at`)} as cursor_key,
  (select a.status_code from webhook_attempts a where a.message_id = d.message_id order by a.created_at desc limit 1) as last_status_code,
  case when d.status in ('queued', 'failed') then o.available_at end as next_attempt_at`;

const toDelivery = (r: RawWebhookDelivery): WebhookDeliveryRow => ({
  id: r.message_id,
  messageId: r.message_id,
  eventType: r.template,
  status: r.status,
  attempts: r.attempts,
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  nextAttemptAt: r.next_attempt_at,
  deliveredAt: r.sent_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  cursorKey: r.cursor_key,
});

/** One endpoint's deliveries, newest first; each one's id is its message id (the `webhook-id` the receiver saw). */
export async function listWebhookDeliveries(
  scope: TenantScope,
  endpointId: string,
  options: { limit: number; after: CursorPosition | null; status?: DeliveryStatus },
): Promise<WebhookDeliveryRow[]> {
  const rows = await rawRows<RawWebhookDelivery>(
    scope.tx,
    sql`select ${DELIVERY_COLUMNS}
          from notification_deliveries d
          left join outbox o on o.id = d.message_id and o.published_at is null
         where d.hospital_id = ${scope.hospitalId}::uuid and d.channel = 'webhook' and d.recipient = ${endpointId}
           ${options.status ? sql`and d.status = ${options.status}` : sql``}
           ${options.after ? sql`and ${afterCursor(options.after, [sql`d.created_at`, sql`d.message_id`], 'desc')}` : sql``}
         order by d.created_at desc, d.message_id desc
         limit ${options.limit + 1}`,
  );
  return rows.map(toDelivery);
}

export async function findWebhookDelivery(scope: TenantScope, endpointId: string, messageId: string): Promise<WebhookDeliveryRow | null> {
  const [row] = await rawRows<RawWebhookDelivery>(
    scope.tx,
    sql`select ${DELIVERY_COLUMNS}
          from notification_deliveries d
          left join outbox o on o.id = d.message_id and o.published_at is null
         where d.hospital_id = ${scope.hospitalId}::uuid and d.channel = 'webhook' and d.recipient = ${endpointId}
           and d.message_id = ${messageId}::uuid`,
  );
  return row ? toDelivery(row) : null;
}
