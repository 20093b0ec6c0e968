import { sql } from 'drizzle-orm';
import { check, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { appointments } from './appointments.ts';
import { instant } from './columns.ts';
import { hospitals } from './hospitals.ts';

export const holdKinds = ['public', 'offer'] as const;
export type HoldKind = (typeof holdKinds)[number];

/**
 * What a hold knows beyond its slot: why it exists (a visitor booking online,
 * a waitlist offer) and the contact a visitor gave, kept out of appointments
 * (contact data is personal data: it goes with the hold, and retention and
 * erasure find it here). One row per held appointment; deleted with it.
 */
export const appointmentHolds = pgTable(
  'appointment_holds',
  {
    appointmentId: uuid('appointment_id')
      .primaryKey()
      .references(() => appointments.id, { onDelete: 'cascade' }),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: holdKinds }).notNull(),
    contactName: text('contact_name'),
    contactEmail: text('contact_email'),
    contactPhone: text('contact_phone'),
    /** BCP 47, as the visitor asked (messages and the patient created from the hold). */
    language: text('language'),
    /** When the visitor proved the contact (the code); the hold is confirmed in the same step. */
    verifiedAt: instant('verified_at'),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [check('appointment_holds_kind_check', sql`${t.kind} in ('public', 'offer')`)],
);
