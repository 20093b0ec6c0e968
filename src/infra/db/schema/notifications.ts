import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { idColumn, instant, timestamps } from './columns.ts';
import { hospitals } from './hospitals.ts';

export const deliveryChannels = ['email', 'sms', 'webhook', 'none'] as const;
export type DeliveryChannel = (typeof deliveryChannels)[number];

export const deliveryStatuses = ['queued', 'sent', 'failed', 'dead', 'skipped'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/**
 * One row per (message, channel): the delivery log a hospital reads at
 * GET /v1/notifications and the idempotency key of the email and SMS
 * consumers. A redelivered message finds its row already `sent` and sends
 * nothing; a row `claimed_until` the future is being sent by some worker
 * right now, so a second copy waits instead of sending in parallel.
 *
 * `hospital_id` is nullable on purpose: a platform message (no hospital) needs
 * the same idempotency; RLS hides such rows from every tenant.
 */
export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    id: idColumn(),
    messageId: uuid('message_id').notNull(),
    channel: text('channel', { enum: deliveryChannels }).notNull(),
    hospitalId: uuid('hospital_id').references(() => hospitals.id, { onDelete: 'cascade' }),
    /** Email address, E.164 phone number or webhook endpoint id; null when nothing could be sent (channel none). */
    recipient: text('recipient'),
    template: text('template').notNull(),
    status: text('status', { enum: deliveryStatuses }).notNull().default('queued'),
    /** Hand-overs to the provider (SMTP session or HTTP request), successful or not. */
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** Lease of the worker sending it now; expired leases are free to take. */
    claimedUntil: instant('claimed_until'),
    sentAt: instant('sent_at'),
    /** SMTP Message-ID or the SMS provider's message sid. */
    providerMessageId: text('provider_message_id'),
    /** The domain event (outbox id) this delivery was fanned out from, if any. */
    sourceMessageId: uuid('source_message_id'),
    /** The patient the message is for, when it is for one: their export lists it, their erasure stops it. */
    patientId: uuid('patient_id'),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('notification_deliveries_message_channel_key').on(t.messageId, t.channel),
    index('notification_deliveries_hospital_created_idx').on(t.hospitalId, t.createdAt, t.id),
    index('notification_deliveries_patient_idx').on(t.hospitalId, t.patientId).where(sql`${t.patientId} is not null`),
    // The per-recipient hourly email limit counts recent sends and in-flight leases of one address.
    index('notification_deliveries_email_recipient_idx').on(t.recipient, t.sentAt).where(sql`${t.channel} = 'email'`),
    check('notification_deliveries_status_check', sql`${t.status} in ('queued', 'sent', 'failed', 'dead', 'skipped')`),
    check('notification_deliveries_channel_check', sql`${t.channel} in ('email', 'sms', 'webhook', 'none')`),
    // A webhook endpoint's deliveries (GET /v1/webhooks/:id/deliveries): the recipient is the endpoint id.
    index('notification_deliveries_webhook_recipient_idx').on(t.recipient, t.createdAt, t.id).where(sql`${t.channel} = 'webhook'`),
    check('notification_deliveries_attempts_check', sql`${t.attempts} >= 0`),
  ],
);
