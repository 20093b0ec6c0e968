import { sql } from 'drizzle-orm';
import { rawRows, type Db, type Executor } from '../../infra/db/client.ts';
import { afterCursor, microsecondKey } from '../../infra/db/fragments.ts';
import type { DeliveryChannel, DeliveryStatus } from '../../infra/db/schema/notifications.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';

export interface DeliveryKey {
  messageId: string;
  channel: DeliveryChannel;
}

export interface DeliveryRow {
  id: string;
  messageId: string;
  channel: DeliveryChannel;
  hospitalId: string | null;
  recipient: string | null;
  template: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  sentAt: Date | null;
  sourceMessageId: string | null;
  patientId: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** created_at to the microsecond, for keyset pagination. */
  cursorKey: string;
}

interface RawDelivery {
  id: string;
  message_id: string;
  channel: DeliveryChannel;
  hospital_id: string | null;
  recipient: string | null;
  template: string;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  sent_at: Date | null;
  source_message_id: string | null;
  patient_id: string | null;
  created_at: Date;
  updated_at: Date;
  cursor_key: string;
}

const COLUMNS = sql`id, message_id, channel, hospital_id, recipient, template, status, attempts, last_error, sent_at, source_message_id, patient_id, created_at, updated_at,
  ${microsecondKey(sql`created_at`)} as cursor_key`;

const toRow = (r: RawDelivery): DeliveryRow => ({
  id: r.id,
  messageId: r.message_id,
  channel: r.channel,
  hospitalId: r.hospital_id,
  recipient: r.recipient,
  template: r.template,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  sentAt: r.sent_at,
  sourceMessageId: r.source_message_id,
  patientId: r.patient_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  cursorKey: r.cursor_key,
});

/** How a recipient is written on its line and counted against limits: emails trimmed and lower-cased, phone numbers (and endpoint ids) trimmed. */
export function recipientOf(channel: DeliveryChannel, to: string): string {
  return channel === 'email' ? to.trim().toLowerCase() : to.trim();
}

export interface DeliveryLine extends DeliveryKey {
  hospitalId: string | null;
  recipient: string | null;
  template: string;
  sourceMessageId?: string | null;
  /** The patient it is for, if any (their export lists it, their erasure stops it). */
  patientId?: string | null;
  /** A line for something deliberately not sent (opted out, no SMS on the plan, appointment gone...), with why. */
  skipped?: string;
}

/** `array[...]::type[]` of values, one bind parameter each (drizzle would spread a bare JS array into a list). */
const arrayOf = (values: (string | null)[], type: 'uuid' | 'text') =>
  sql`array[${sql.join(values.map((v) => sql`${v}`), sql`, `)}]::${sql.raw(type)}[]`;

/**
 * A delivery's line in the log, unless it has one: `queued` (enqueueJob
 * writes it with the job; a consumer makes sure of it for older messages) or
 * `skipped` with its reason.
 */
export async function addDeliveryLine(db: Executor, d: DeliveryLine): Promise<void> {
  await addDeliveryLines(db, [d]);
}

/** Several lines in one statement (a consumer's batch); each is added unless it exists. */
export async function addDeliveryLines(db: Executor, lines: DeliveryLine[]): Promise<void> {
  if (lines.length > 0) await db.execute(insertLines(lines));
}

function insertLines(lines: DeliveryLine[]) {
  const values = lines.map(
    (d) =>
      sql`(${d.messageId}::uuid, ${d.channel}, ${d.hospitalId}::uuid, ${d.recipient}, ${d.template},
           ${d.skipped === undefined ? 'queued' : 'skipped'}, ${d.skipped ?? null}, ${d.sourceMessageId ?? null}::uuid, ${d.patientId ?? null}::uuid)`,
  );
  return sql`insert into notification_deliveries (message_id, channel, hospital_id, recipient, template, status, last_error, source_message_id, patient_id)
             values ${sql.join(values, sql`, `)}
             on conflict (message_id, channel) do nothing`;
}

/** sent, dead and skipped lines are final: a redelivered message finds them and does nothing. */
export const isFinished = (status: DeliveryStatus) => status === 'sent' || status === 'dead' || status === 'skipped';

export type Claim =
  | { kind: 'claimed'; attempts: number }
  | { kind: 'done'; status: DeliveryStatus }
  | { kind: 'busy'; until: Date }
  | { kind: 'limited'; until: Date; recentCount: number };

export interface ClaimRequest {
  key: DeliveryKey;
  /** Email: at most `max` sends to `recipient` in any hour, counting the sends in flight. */
  hourlyLimit?: { recipient: string; max: number };
  /** The line to add first if it is missing (older messages), in the same transaction. */
  line?: DeliveryLine;
}

/** PostgreSQL answers uuids in lower case; a key written otherwise must still find its row. */
const keyOf = (k: DeliveryKey) => `${k.messageId.toLowerCase()}/${k.channel}`;

/**
 * Takes the right to send one delivery, or says why not. In one transaction:
 * the row is locked; finished rows (sent, dead, skipped) are done — this is
 * what makes redelivery harmless; a live lease means another worker is
 * sending it now; for email, the recipient's sends in the last hour plus the
 * sends in flight are counted under a per-recipient advisory lock, so two
 * workers cannot both take the twentieth slot. Otherwise: attempts + 1 and a
 * lease of `leaseMs`.
 */
export async function claimDelivery(
  db: Db,
  key: DeliveryKey,
  options: { leaseMs: number; hourlyLimit?: { recipient: string; max: number } },
): Promise<Claim> {
  const [claim] = await claimDeliveries(db, [{ key, ...(options.hourlyLimit ? { hourlyLimit: options.hourlyLimit } : {}) }], options.leaseMs);
  if (claim instanceof Error) throw claim;
  return claim!;
}

/**
 * claimDelivery for a batch (the consumers' group commit): the same rules in
 * ONE transaction of three statements whatever the batch size — add the
 * missing lines and take the recipients' advisory locks in a fixed order (so
 * two workers' batches cannot deadlock on them); lock the lines, in message
 * id order, with each recipient's count; lease the ones that may go. Two
 * requests of the batch to the same recipient count against each other, and
 * the same line twice in a batch is claimed once (the other copy is busy).
 * Answers in request order; a request without a line gets an Error.
 */
export async function claimDeliveries(db: Db, requests: ClaimRequest[], leaseMs: number): Promise<(Claim | Error)[]> {
  if (requests.length === 0) return [];
  return db.transaction(async (tx) => {
    const lines = requests.flatMap((r) => (r.line ? [r.line] : []));
    const limited = [...new Set(requests.flatMap((r) => (r.hourlyLimit ? [r.hourlyLimit.recipient] : [])))];
    // One statement for both: a queued line without a lease counts towards no limit, so adding it beside the locks changes no count.
    if (limited.length > 0) {
      await tx.execute(
        sql`${lines.length > 0 ? sql`with added as (${insertLines(lines)})` : sql``}
            select pg_advisory_xact_lock(h)
              from (select distinct hashtextextended('tempus:email-limit:' || r, 0) as h from unnest(${arrayOf(limited, 'text')}) as r order by 1) s`,
      );
    } else if (lines.length > 0) {
      await tx.execute(insertLines(lines));
    }
    // The lines, locked, and (for email) the recipient's sends in the window plus those in flight.
    const rows = await rawRows<{ message_id: string; channel: DeliveryChannel; status: DeliveryStatus; claimed_until: Date | null; busy: boolean; recent: number }>(
      tx,
      sql`select d.message_id, d.channel, d.status, d.claimed_until, coalesce(d.claimed_until > now(), false) as busy,
                 case when r.recipient is null then 0 else
                   (select count(*)::int from notification_deliveries x
                     where x.channel = 'email' and x.recipient = r.recipient and x.message_id <> d.message_id
                       and ((x.status = 'sent' and x.sent_at > now() - interval '1 hour')
                            or (x.status in ('queued', 'failed') and x.claimed_until > now())))
                 end as recent
            from unnest(${arrayOf(requests.map((r) => r.key.messageId), 'uuid')},
                        ${arrayOf(requests.map((r) => r.key.channel), 'text')},
                        ${arrayOf(requests.map((r) => r.hourlyLimit?.recipient ?? null), 'text')}) as r(message_id, channel, recipient)
            join notification_deliveries d on d.message_id = r.message_id and d.channel = r.channel
           order by d.message_id, d.channel
             for update of d`,
    );
    const found = new Map(rows.map((row) => [keyOf({ messageId: row.message_id, channel: row.channel }), row]));
    const taken = new Map<string, number>();
    const claiming = new Set<string>();
    const plan = requests.map((r): Claim | Error | 'claim' | 'twin' | { limited: number } => {
      const k = keyOf(r.key);
      const row = found.get(k);
      if (!row) return new Error(`delivery ${k} has no line`);
      if (isFinished(row.status)) return { kind: 'done', status: row.status };
      if (row.busy) return { kind: 'busy', until: row.claimed_until! };
      if (claiming.has(k)) return 'twin';
      if (r.hourlyLimit) {
        const recentCount = row.recent + (taken.get(r.hourlyLimit.recipient) ?? 0);
        if (recentCount >= r.hourlyLimit.max) return { limited: recentCount };
        taken.set(r.hourlyLimit.recipient, (taken.get(r.hourlyLimit.recipient) ?? 0) + 1);
      }
      claiming.add(k);
      return 'claim';
    });
    const leased = new Map<string, { attempts: number; until: Date }>();
    if (claiming.size > 0) {
      const keys = requests.filter((r) => claiming.has(keyOf(r.key))).map((r) => r.key);
      const updated = await rawRows<{ message_id: string; channel: DeliveryChannel; attempts: number; claimed_until: Date }>(
        tx,
        sql`update notification_deliveries d
               set attempts = d.attempts + 1,
                   claimed_until = now() + make_interval(secs => ${leaseMs / 1000}::double precision),
                   updated_at = now()
              from (select distinct * from unnest(${arrayOf(keys.map((k) => k.messageId), 'uuid')}, ${arrayOf(keys.map((k) => k.channel), 'text')})
                      as k(message_id, channel)) k
             where d.message_id = k.message_id and d.channel = k.channel
            returning d.message_id, d.channel, d.attempts, d.claimed_until`,
      );
      for (const u of updated) leased.set(keyOf({ messageId: u.message_id, channel: u.channel }), { attempts: u.attempts, until: u.claimed_until });
    }
    const answers: (Claim | Error)[] = [];
    for (const [i, p] of plan.entries()) {
      const r = requests[i]!;
      if (p === 'claim') answers.push({ kind: 'claimed', attempts: leased.get(keyOf(r.key))!.attempts });
      else if (p === 'twin') answers.push({ kind: 'busy', until: leased.get(keyOf(r.key))!.until });
      else if ('limited' in p) answers.push({ kind: 'limited', until: await limitFreesAt(tx, r.hourlyLimit!, p.limited), recentCount: p.limited });
      else answers.push(p);
    }
    return answers;
  });
}

/** Over the limit: the slot frees when the (n - max + 1)-th oldest send leaves the window, or when an in-flight send ends. */
async function limitFreesAt(tx: Executor, limit: { recipient: string; max: number }, recentCount: number): Promise<Date> {
  const [free] = await rawRows<{ at: Date }>(
    tx,
    sql`select coalesce(
          (select sent_at + interval '1 hour' from notification_deliveries
            where channel = 'email' and recipient = ${limit.recipient} and status = 'sent' and sent_at > now() - interval '1 hour'
            order by sent_at offset ${recentCount - limit.max} limit 1),
          (select min(claimed_until) from notification_deliveries
            where channel = 'email' and recipient = ${limit.recipient} and status in ('queued', 'failed') and claimed_until > now()),
          now() + interval '1 minute') as at`,
  );
  return free!.at;
}

/**
 * Extends the leases of sends still in flight in this process (one statement
 * for all of them). A live worker keeps its line however slow the provider or
 * the database is; only a dead worker's lease runs out, and only then may
 * another worker take the line over. Finished lines and lines without a lease
 * are left alone.
 */
export async function renewLeases(db: Executor, keys: DeliveryKey[], leaseMs: number): Promise<void> {
  if (keys.length === 0) return;
  await db.execute(
    sql`update notification_deliveries d
           set claimed_until = greatest(d.claimed_until, now() + make_interval(secs => ${leaseMs / 1000}::double precision))
          from unnest(${arrayOf(keys.map((k) => k.messageId), 'uuid')}, ${arrayOf(keys.map((k) => k.channel), 'text')}) as k(message_id, channel)
         where d.message_id = k.message_id and d.channel = k.channel
           and d.status in ('queued', 'failed') and d.claimed_until is not null`,
  );
}

export async function markSent(db: Executor, key: DeliveryKey, providerMessageId: string): Promise<void> {
  await markSentMany(db, [{ key, providerMessageId }]);
}

/** Records several sends in one statement (a consumer's batch). */
export async function markSentMany(db: Executor, sends: { key: DeliveryKey; providerMessageId: string }[]): Promise<void> {
  if (sends.length === 0) return;
  await db.execute(
    sql`update notification_deliveries d
           set status = 'sent', sent_at = now(), claimed_until = null, last_error = null,
               provider_message_id = s.provider_message_id, updated_at = now()
          from unnest(${arrayOf(sends.map((s) => s.key.messageId), 'uuid')}, ${arrayOf(sends.map((s) => s.key.channel), 'text')},
                      ${arrayOf(sends.map((s) => s.providerMessageId), 'text')}) as s(message_id, channel, provider_message_id)
         where d.message_id = s.message_id and d.channel = s.channel`,
  );
}

export async function markFailed(db: Executor, key: DeliveryKey, error: string): Promise<void> {
  await db.execute(
    sql`update notification_deliveries
           set status = 'failed', claimed_until = null, last_error = ${error}, updated_at = now()
         where message_id = ${key.messageId}::uuid and channel = ${key.channel} and status in ('queued', 'failed')`,
  );
}

export async function markDead(db: Executor, key: DeliveryKey, reason: string): Promise<void> {
  await db.execute(
    sql`update notification_deliveries
           set status = 'dead', claimed_until = null, last_error = ${reason}, updated_at = now()
         where message_id = ${key.messageId}::uuid and channel = ${key.channel} and status in ('queued', 'failed')`,
  );
}

/** A delivery that must not go out any more (its patient was erased): final, so a later copy of the message does nothing. */
export async function markSkipped(db: Executor, key: DeliveryKey, reason: string): Promise<void> {
  await db.execute(
    sql`update notification_deliveries
           set status = 'skipped', claimed_until = null, last_error = ${reason}, updated_at = now()
         where message_id = ${key.messageId}::uuid and channel = ${key.channel} and status in ('queued', 'failed')`,
  );
}

/** A replayed dead message is due again: its dead line goes back to `queued`. */
export async function requeueDeadDelivery(db: Executor, messageId: string): Promise<void> {
  await db.execute(
    sql`update notification_deliveries set status = 'queued', claimed_until = null, updated_at = now()
         where message_id = ${messageId}::uuid and status = 'dead'`,
  );
}

export async function findDelivery(db: Executor, key: DeliveryKey): Promise<DeliveryRow | null> {
  const [row] = await rawRows<RawDelivery>(
    db,
    sql`select ${COLUMNS} from notification_deliveries where message_id = ${key.messageId}::uuid and channel = ${key.channel}`,
  );
  return row ? toRow(row) : null;
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  channel?: DeliveryChannel;
}

/** The hospital's delivery log, newest first, keyset-paginated on (created_at, id). */
export async function listDeliveries(
  scope: TenantScope,
  options: { limit: number; after: { key: string; id: string } | null; filter: DeliveryFilter },
): Promise<DeliveryRow[]> {
  const { filter, after } = options;
  const rows = await rawRows<RawDelivery>(
    scope.tx,
    sql`select ${COLUMNS} from notification_deliveries
         where hospital_id = ${scope.hospitalId}::uuid
           ${filter.status ? sql`and status = ${filter.status}` : sql``}
           ${filter.channel ? sql`and channel = ${filter.channel}` : sql``}
           ${after ? sql`and ${afterCursor(after, [sql`created_at`, sql`id`], 'desc')}` : sql``}
         order by created_at desc, id desc
         limit ${options.limit + 1}`,
  );
  return rows.map(toRow);
}
