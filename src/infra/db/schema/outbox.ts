import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { idColumn, instant } from './columns.ts';

/**
 * Transactional outbox: every message starts here, written in the same
 * transaction as the change that causes it. `availableAt` in the future is how
 * reminders and retries wait, durably, in PostgreSQL.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id'),
    queue: text('queue').notNull(),
    type: text('type').notNull(),
    payload: jsonb('payload').notNull().$type<Record<string, unknown>>(),
    availableAt: instant('available_at').notNull().defaultNow(),
    publishedAt: instant('published_at'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('outbox_due_idx').on(t.availableAt).where(sql`${t.publishedAt} is null`),
    index('outbox_hospital_id_idx').on(t.hospitalId),
  ],
);
