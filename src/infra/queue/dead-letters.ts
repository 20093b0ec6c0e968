import { sql } from 'drizzle-orm';
import { rawRows, type Executor } from '../db/client.ts';
import { afterCursor, microsecondKey } from '../db/fragments.ts';
import type { QueueMessage } from './message.ts';
import { OUTBOX_CHANNEL } from './outbox.ts';

export interface DeadLetterRow {
  id: string;
  messageId: string;
  hospitalId: string | null;
  queue: string;
  type: string;
  reason: string;
  attempts: number;
  source: 'consumer' | 'broker';
  createdAt: Date;
  replayedAt: Date | null;
  replayedBy: string | null;
  cursorKey: string;
}

interface RawDeadLetter {
  id: string;
  message_id: string;
  hospital_id: string | null;
  queue: string;
  type: string;
  reason: string;
  attempts: number;
  source: 'consumer' | 'broker';
  created_at: Date;
  replayed_at: Date | null;
  replayed_by: string | null;
  cursor_key: string;
}

const COLUMNS = sql`id, message_id, hospital_id, queue, type, reason, attempts, source, created_at, replayed_at, replayed_by,
  ${microsecondKey(sql`created_at`)} as cursor_key`;

const toRow = (r: RawDeadLetter): DeadLetterRow => ({
  id: r.id,
  messageId: r.message_id,
  hospitalId: r.hospital_id,
  queue: r.queue,
  type: r.type,
  reason: r.reason,
  attempts: r.attempts,
  source: r.source,
  createdAt: r.created_at,
  replayedAt: r.replayed_at,
  replayedBy: r.replayed_by,
  cursorKey: r.cursor_key,
});

/**
 * Records a message we will not retry. At most one open record per message
 * (a redelivered copy dying again adds nothing); the outbox row keeps the
 * reason and counts as handled.
 */
export async function recordDeadLetter(
  db: Executor,
  message: Pick<QueueMessage, 'id' | 'hospitalId' | 'queue' | 'type' | 'payload' | 'attempt'>,
  reason: string,
  source: 'consumer' | 'broker',
): Promise<void> {
  await db.execute(
    sql`insert into dead_letters (message_id, hospital_id, queue, type, payload, reason, attempts, source)
        values (${message.id}::uuid, ${message.hospitalId}::uuid, ${message.queue}, ${message.type},
                ${JSON.stringify(message.payload)}::jsonb, ${reason}, ${message.attempt}, ${source})
        on conflict (message_id) where replayed_at is null do nothing`,
  );
  await db.execute(
    sql`update outbox set attempts = greatest(attempts, ${message.attempt}::int), last_error = ${reason},
                          published_at = coalesce(published_at, now())
         where id = ${message.id}::uuid`,
  );
}

export async function listDeadLetters(
  db: Executor,
  options: { limit: number; after: { key: string; id: string } | null; replayed?: boolean },
): Promise<DeadLetterRow[]> {
  const rows = await rawRows<RawDeadLetter>(
    db,
    sql`select ${COLUMNS}
          from dead_letters
         where true
           ${options.replayed === undefined ? sql`` : options.replayed ? sql`and replayed_at is not null` : sql`and replayed_at is null`}
           ${options.after ? sql`and ${afterCursor(options.after, [sql`created_at`, sql`id`], 'desc')}` : sql``}
         order by created_at desc, id desc
         limit ${options.limit + 1}`,
  );
  return rows.map(toRow);
}

export type ReplayOutcome = { kind: 'replayed'; row: DeadLetterRow } | { kind: 'not_found' } | { kind: 'already_replayed'; row: DeadLetterRow };

/**
 * Sends a dead message round again under its own id: the outbox row (recreated
 * from the stored payload if it was purged) becomes due now with a fresh
 * attempt budget (the caller's module resets what it recorded of the death,
 * in the same transaction). Concurrent replays of one record: the row lock
 * lets exactly one through.
 */
export async function replayDeadLetter(db: Executor, id: string, replayedBy: string): Promise<ReplayOutcome> {
  const [locked] = await rawRows<RawDeadLetter & { payload: Record<string, unknown> }>(
    db,
    sql`select ${COLUMNS}, payload from dead_letters where id = ${id}::uuid for update`,
  );
  if (!locked) return { kind: 'not_found' };
  if (locked.replayed_at) return { kind: 'already_replayed', row: toRow(locked) };
  const [updated] = await rawRows<RawDeadLetter>(
    db,
    sql`update dead_letters set replayed_at = now(), replayed_by = ${replayedBy}::uuid where id = ${id}::uuid
        returning ${COLUMNS}`,
  );
  await db.execute(
    sql`insert into outbox (id, hospital_id, queue, type, payload, available_at, attempts)
        values (${locked.message_id}::uuid, ${locked.hospital_id}::uuid, ${locked.queue}, ${locked.type},
                ${JSON.stringify(locked.payload)}::jsonb, now(), 0)
        on conflict (id) do update set published_at = null, available_at = now(), attempts = 0`,
  );
  await db.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
  return { kind: 'replayed', row: toRow(updated!) };
}

/**
 * Blanks the stored payload of at most `limit` dead letters of `queues`
 * recorded before `before` (message bodies must not outlive their
 * retention); returns how many. A blanked letter can no longer be replayed:
 * its consumer refuses the payload.
 */
export async function blankOldPayloads(db: Executor, queues: readonly string[], before: Date, limit: number): Promise<number> {
  if (queues.length === 0) return 0;
  const [row] = await rawRows<{ n: number }>(
    db,
    sql`with blanked as (
          update dead_letters set payload = '{"redacted": true}'::jsonb
           where id in (
             select id from dead_letters
              where queue in (${sql.join(queues.map((q) => sql`${q}`), sql`, `)})
                and created_at < ${before.toISOString()}::timestamptz
                and not (payload ? 'redacted')
              limit ${limit})
          returning 1)
        select count(*)::int as n from blanked`,
  );
  return row?.n ?? 0;
}
