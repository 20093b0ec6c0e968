import { sql } from 'drizzle-orm';
import { check, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { idColumn, timestamps } from './columns.ts';

export const hospitals = pgTable(
  'hospitals',
  {
    id: idColumn(),
    name: text('name').notNull(),
    subdomain: text('subdomain').notNull(),
    email: text('email').notNull(),
    phone: text('phone'),
    address: text('address'),
    timezone: text('timezone').notNull(),
    bookingHorizonDays: integer('booking_horizon_days').notNull().default(90),
    minimumNoticeMinutes: integer('minimum_notice_minutes').notNull().default(0),
    /** Patients may cancel or move a visit through its manage link until this long before its start. */
    cancellationNoticeMinutes: integer('cancellation_notice_minutes').notNull().default(1440),
    reminderOffsetsMinutes: integer('reminder_offsets_minutes')
      .array()
      .notNull()
      .default(sql`'{1440,60}'::integer[]`),
    /** BCP 47: the language of patients who have none of their own. */
    defaultLanguage: text('default_language').notNull().default('en'),
    /** How long a waitlist offer holds its slot for the patient it went to (SPEC section 15). */
    waitlistOfferMinutes: integer('waitlist_offer_minutes').notNull().default(30),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('hospitals_subdomain_key').on(t.subdomain),
    check('hospitals_default_language_check', sql`${t.defaultLanguage} ~ '^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$' and length(${t.defaultLanguage}) <= 35`),
  ],
);
