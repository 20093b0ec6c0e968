import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { idColumn, instant } from './columns.ts';

/**
 * Messages that will not be retried any more: a permanent failure, retries
 * exhausted, or something the broker dead-lettered (poison message, delivery
 * limit) and the DLQ recorder moved here. Operators list and replay them at
 * /v1/admin/dead-letters. A platform table: tenants have no grant on it.
 *
 * `payload` is kept so a replay works even after the outbox row was purged;
 * it is never returned by the API.
 */
export const deadLetters = pgTable(
  'dead_letters',
  {
    id: idColumn(),
    /** The outbox id: the message id every transport and the delivery log use. */
    messageId: uuid('message_id').notNull(),
    hospitalId: uuid('hospital_id'),
    queue: text('queue').notNull(),
    type: text('type').notNull(),
    payload: jsonb('payload').notNull().$type<Record<string, unknown>>(),
    reason: text('reason').notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** consumer: our handler gave up; broker: RabbitMQ dead-lettered it (x-death). */
    source: text('source', { enum: ['consumer', 'broker'] }).notNull(),
    createdAt: instant('created_at').notNull().defaultNow(),
    replayedAt: instant('replayed_at'),
    replayedBy: uuid('replayed_by'),
  },
  (t) => [
    // A message is dead at most once until it is replayed (redelivered copies add nothing).
    uniqueIndex('dead_letters_open_message_key').on(t.messageId).where(sql`${t.replayedAt} is null`),
    index('dead_letters_created_idx').on(t.createdAt, t.id),
  ],
);

/**
 * One row per scheduled task: `next_run_at` is claimed with a conditional
 * UPDATE, so with any number of workers each period runs exactly once.
 */
export const scheduledTasks = pgTable('scheduled_tasks', {
  name: text('name').primaryKey(),
  nextRunAt: instant('next_run_at').notNull(),
  lastRunAt: instant('last_run_at'),
  updatedAt: instant('updated_at').notNull().defaultNow(),
});
