import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { rawRows, type Executor } from '../db/client.ts';
import { instant } from '../db/fragments.ts';
import { outbox } from '../db/schema/outbox.ts';

/** The queues a message can be routed to (SPEC section 11). */
export type QueueName = 'tasks' | 'notifications' | 'email_notifications' | 'sms_notifications' | 'webhooks';
export const queueNames: readonly QueueName[] = ['tasks', 'notifications', 'email_notifications', 'sms_notifications', 'webhooks'];

export interface OutboxMessage {
  hospitalId: string | null;
  queue: QueueName;
  type: string;
  payload: Record<string, unknown>;
  /** When the message may be delivered; now unless delayed (reminders, retries). */
  availableAt?: Date;
  /**
   * A caller-chosen message id. Enqueueing the same id twice adds nothing (the
   * second insert is ignored), which makes fan-out and schedulers idempotent.
   */
  id?: string;
}

/** PostgreSQL's NOTIFY channel the relays LISTEN on; payload '' = "now", or epoch ms of a due time. */
export const OUTBOX_CHANNEL = 'tempus_outbox';

/**
 * Writes messages in the caller's transaction: if the change rolls back, so do
 * they, and nothing is ever sent for it. A trigger NOTIFYs the relays at commit.
 * (Email and SMS jobs go through the notifications module's enqueueJob, which
 * also writes their delivery line.)
 */
export async function enqueue(tx: Executor, messages: OutboxMessage | OutboxMessage[]): Promise<string[]> {
  const { statement, ids } = outboxInsert(tx, messages);
  if (statement) await tx.execute(statement);
  return ids;
}

/**
 * The INSERT that `enqueue` runs, for a caller that sends it together with
 * other statements (src/infra/db/batch.ts): the statement, built on `tx` but
 * not run (null for no messages), and the message ids.
 */
export function outboxInsert(tx: Executor, messages: OutboxMessage | OutboxMessage[]): { statement: SQL | null; ids: string[] } {
  const list = (Array.isArray(messages) ? messages : [messages]).map((m) => ({ ...m, id: m.id ?? randomUUID() }));
  if (list.length === 0) return { statement: null, ids: [] };
  const statement = tx
    .insert(outbox)
    .values(
      list.map((m) => ({
        id: m.id,
        hospitalId: m.hospitalId,
        queue: m.queue,
        type: m.type,
        payload: m.payload,
        ...(m.availableAt ? { availableAt: m.availableAt } : {}),
      })),
    )
    .onConflictDoNothing({ target: outbox.id })
    .getSQL();
  return { statement, ids: list.map((m) => m.id) };
}

/** An outbox row as the relay and the runtime see it. */
export interface OutboxRow {
  id: string;
  hospitalId: string | null;
  queue: QueueName;
  type: string;
  payload: Record<string, unknown>;
  /** Failed handling attempts so far (deferrals do not count). */
  attempts: number;
  createdAt: Date;
}

interface RawRow {
  id: string;
  hospital_id: string | null;
  queue: QueueName;
  type: string;
  payload: Record<string, unknown>;
  attempts: number;
  created_at: Date;
}

const toRow = (r: RawRow): OutboxRow => ({
  id: r.id,
  hospitalId: r.hospital_id,
  queue: r.queue,
  type: r.type,
  payload: r.payload,
  attempts: r.attempts,
  createdAt: r.created_at,
});

/**
 * Due, unpublished rows, locked for the caller's transaction; rows another
 * relay holds are skipped, so any number of relays share the work.
 */
export async function lockDue(tx: Executor, limit: number): Promise<OutboxRow[]> {
  const rows = await rawRows<RawRow>(
    tx,
    sql`select id, hospital_id, queue, type, payload, attempts, created_at
          from outbox
         where published_at is null and available_at <= now()
         order by available_at
         limit ${limit}
           for update skip locked`,
  );
  return rows.map(toRow);
}

export async function markPublished(tx: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.execute(sql`update outbox set published_at = now() where id in (${sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `)})`);
}

/**
 * The in-process transport's claim: due rows are leased (their available_at
 * pushed `leaseMs` ahead) in one short statement instead of being held locked
 * while handlers run. If this process dies, the lease runs out and the rows
 * are due again.
 */
export async function leaseDue(db: Executor, limit: number, leaseMs: number): Promise<OutboxRow[]> {
  const rows = await rawRows<RawRow>(
    db,
    sql`update outbox set available_at = now() + make_interval(secs => ${leaseMs / 1000}::double precision)
         where id in (select id from outbox
                       where published_at is null and available_at <= now()
                       order by available_at
                       limit ${limit}
                         for update skip locked)
        returning id, hospital_id, queue, type, payload, attempts, created_at`,
  );
  return rows.map(toRow);
}

/** Handled in-process: the inline transport's equivalent of "published and acknowledged". */
export async function markHandled(db: Executor, id: string): Promise<void> {
  await db.execute(sql`update outbox set published_at = now() where id = ${id}::uuid and published_at is null`);
}

/** When the next unpublished row falls due (null: none waiting). */
export async function nextDueAt(db: Executor): Promise<Date | null> {
  const [row] = await rawRows<{ at: Date | null }>(db, sql`select min(available_at) as at from outbox where published_at is null`);
  return row?.at ?? null;
}

/**
 * Puts a message back into the outbox for later: the durable retry (and
 * deferral). The row becomes unpublished with a future available_at; the relays
 * are told when, so a short delay is honoured without waiting for a poll.
 */
export async function reschedule(
  db: Executor,
  id: string,
  change: { availableAt: Date; attempts?: number; lastError?: string | null },
): Promise<void> {
  await db.execute(
    sql`update outbox
           set published_at = null,
               available_at = ${instant(change.availableAt)},
               attempts = coalesce(${change.attempts ?? null}::int, attempts),
               last_error = coalesce(${change.lastError ?? null}::text, last_error)
         where id = ${id}::uuid`,
  );
  await db.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, ${String(change.availableAt.getTime())})`);
}

/**
 * Replaces one top-level field of a message's stored payload, e.g. the data of
 * a sent one-time-code email (codes and tokens must not outlive the send).
 */
export async function replacePayloadField(db: Executor, id: string, field: string, value: unknown): Promise<void> {
  await db.execute(
    sql`update outbox set payload = jsonb_set(payload, array[${field}::text], ${JSON.stringify(value)}::jsonb) where id = ${id}::uuid`,
  );
}

/** Deletes published messages older than `retentionDays`, at most `limit` per call; returns how many went. */
export async function deletePublished(db: Executor, retentionDays: number, limit: number): Promise<number> {
  const [row] = await rawRows<{ n: number }>(
    db,
    sql`with gone as (
          delete from outbox where id in (
            select id from outbox
             where published_at is not null
               and published_at < now() - make_interval(days => ${retentionDays}::int)
             limit ${limit})
          returning 1)
        select count(*)::int as n from gone`,
  );
  return row?.n ?? 0;
}

/** Backlog for metrics: unpublished rows that are due, and how late the oldest is. */
export async function outboxBacklog(db: Executor): Promise<{ due: number; lagSeconds: number }> {
  const [row] = await rawRows<{ due: number; lag: number | null }>(
    db,
    sql`select count(*)::int as due, extract(epoch from now() - min(available_at))::float8 as lag
          from outbox where published_at is null and available_at <= now()`,
  );
  return { due: row?.due ?? 0, lagSeconds: Math.max(0, row?.lag ?? 0) };
}
