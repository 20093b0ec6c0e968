import { sql } from 'drizzle-orm';
import { boolean, check, foreignKey, index, integer, pgTable, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { idColumn, instant, timestamps } from './columns.ts';
import { doctors } from './doctors.ts';
import { hospitals } from './hospitals.ts';

/**
 * A hospital's webhook endpoints (SPEC section 16). The signing secrets are
 * stored sealed (AES-256-GCM under a key derived from SERVER_SECRET): they
 * must stay usable to sign, so they cannot be hashed, and a database dump
 * alone does not reveal them. During a rotation window the previous secret
 * signs too (`previous_secret_until`).
 *
 * `failing_since` is the first failed attempt after the last success; an
 * endpoint still failing WEBHOOK_DISABLE_AFTER_HOURS later is disabled.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    events: text('events').array().notNull(),
    active: boolean('active').notNull().default(true),
    secretSealed: text('secret_sealed').notNull(),
    previousSecretSealed: text('previous_secret_sealed'),
    previousSecretUntil: instant('previous_secret_until'),
    failingSince: instant('failing_since'),
    disabledAt: instant('disabled_at'),
    disabledReason: text('disabled_reason'),
    createdBy: uuid('created_by'),
    ...timestamps(),
  },
  (t) => [
    unique('webhook_endpoints_hospital_id_id_key').on(t.hospitalId, t.id),
    index('webhook_endpoints_hospital_created_idx').on(t.hospitalId, t.createdAt, t.id),
    check('webhook_endpoints_events_check', sql`cardinality(${t.events}) >= 1`),
  ],
);

/**
 * Every HTTP attempt of a webhook delivery (the delivery itself is its line in
 * notification_deliveries, channel `webhook`, recipient = the endpoint id):
 * what the receiver answered, or why no answer came.
 */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    endpointId: uuid('endpoint_id').notNull(),
    /** The outbox message id: the `webhook-id` header, the same on every attempt. */
    messageId: uuid('message_id').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [
    foreignKey({ name: 'webhook_attempts_endpoint_fk', columns: [t.hospitalId, t.endpointId], foreignColumns: [webhookEndpoints.hospitalId, webhookEndpoints.id] }).onDelete(
      'cascade',
    ),
    index('webhook_attempts_message_idx').on(t.messageId, t.createdAt),
  ],
);

/**
 * One secret calendar feed per doctor: only the SHA-256 of the token is kept
 * (the address is shown once); posting again replaces the row, which revokes
 * the old address.
 */
export const calendarFeeds = pgTable(
  'calendar_feeds',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    doctorId: uuid('doctor_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdBy: uuid('created_by'),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('calendar_feeds_doctor_key').on(t.hospitalId, t.doctorId),
    uniqueIndex('calendar_feeds_token_hash_key').on(t.tokenHash),
    foreignKey({ name: 'calendar_feeds_doctor_fk', columns: [t.hospitalId, t.doctorId], foreignColumns: [doctors.hospitalId, doctors.id] }).onDelete('cascade'),
  ],
);
