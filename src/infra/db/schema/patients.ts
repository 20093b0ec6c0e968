import { sql } from 'drizzle-orm';
import { check, date, index, integer, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { idColumn, instant, timestamps } from './columns.ts';
import { hospitals } from './hospitals.ts';

export const notificationChannels = ['email', 'sms', 'none'] as const;
export type NotificationChannel = (typeof notificationChannels)[number];

/**
 * A hospital's patients. The trigram GIN indexes serve `?search=` (a
 * case-insensitive substring over name, email and phone) without a scan.
 */
export const patients = pgTable(
  'patients',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    email: text('email'),
    phone: text('phone'),
    dateOfBirth: date('date_of_birth', { mode: 'string' }),
    notificationChannel: text('notification_channel', { enum: notificationChannels }).notNull().default('none'),
    /** BCP 47; null: the hospital's default_language. Emails and SMS are written in it (docs/messaging.md#languages). */
    language: text('language'),
    /** Bumped by every update: webhook receivers discard an event older than one they have seen. */
    version: integer('version').notNull().default(1),
    /** Set by erasure (docs/privacy.md): the identifying fields are gone and nothing is sent to them again. */
    erasedAt: instant('erased_at'),
    ...timestamps(),
  },
  (t) => [
    unique('patients_hospital_id_id_key').on(t.hospitalId, t.id),
    index('patients_hospital_name_idx').on(t.hospitalId, t.name, t.id),
    index('patients_name_trgm_idx').using('gin', t.name.op('gin_trgm_ops')),
    index('patients_email_trgm_idx').using('gin', t.email.op('gin_trgm_ops')),
    index('patients_phone_trgm_idx').using('gin', t.phone.op('gin_trgm_ops')),
    check('patients_notification_channel_check', sql`${t.notificationChannel} in ('email', 'sms', 'none')`),
    check('patients_language_check', sql`${t.language} ~ '^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$' and length(${t.language}) <= 35`),
    check(
      'patients_channel_contact_check',
      sql`(${t.notificationChannel} <> 'email' or ${t.email} is not null) and (${t.notificationChannel} <> 'sms' or ${t.phone} is not null)`,
    ),
  ],
);
