import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { instant } from './columns.ts';
import { hospitals } from './hospitals.ts';

/**
 * `Idempotency-Key` records, one per (hospital, key). The row is inserted in
 * the same transaction as the change it guards, so a concurrent request with
 * the same key waits on the primary key until the first one commits (and then
 * replays its response) or rolls back (and then runs itself). Rows older than
 * the retention window (24 h) count as absent and are purged by a task.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    /** SHA-256 over method, route, caller and canonical body: same key + other request = reuse. */
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code'),
    responseBody: jsonb('response_body').$type<unknown>(),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'idempotency_keys_pkey', columns: [t.hospitalId, t.key] }),
    index('idempotency_keys_created_idx').on(t.createdAt),
    check('idempotency_keys_key_check', sql`length(${t.key}) between 1 and 255`),
  ],
);
