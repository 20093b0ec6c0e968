import { sql } from 'drizzle-orm';
import { check, date, foreignKey, index, pgTable, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { idColumn, instant, timestamps } from './columns.ts';
import { doctors } from './doctors.ts';
import { hospitals } from './hospitals.ts';
import { patients } from './patients.ts';
import { visitTypes } from './visit-types.ts';

export const waitlistStatuses = ['active', 'booked', 'removed'] as const;
export type WaitlistStatus = (typeof waitlistStatuses)[number];
export const waitlistSources = ['staff', 'patient'] as const;
export type WaitlistSource = (typeof waitlistSources)[number];

/**
 * A patient waiting for an earlier time (SPEC section 15): a doctor, a visit
 * type or both, and a range of local dates in the hospital's zone. Entries are
 * served in order of joining (created_at, then id), first match first.
 * At most one active entry per patient and target over any day: the exclusion
 * constraint waitlist_entries_one_active_per_scope (drizzle/0027, hand-written:
 * drizzle has no EXCLUDE), which makes joining idempotent.
 */
export const waitlistEntries = pgTable(
  'waitlist_entries',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    patientId: uuid('patient_id').notNull(),
    doctorId: uuid('doctor_id'),
    visitTypeId: uuid('visit_type_id'),
    earliest: date('earliest', { mode: 'string' }).notNull(),
    latest: date('latest', { mode: 'string' }).notNull(),
    note: text('note'),
    source: text('source', { enum: waitlistSources }).notNull(),
    status: text('status', { enum: waitlistStatuses }).notNull().default('active'),
    createdBy: uuid('created_by'),
    ...timestamps(),
  },
  (t) => [
    unique('waitlist_entries_hospital_id_id_key').on(t.hospitalId, t.id),
    foreignKey({ name: 'waitlist_entries_patient_fk', columns: [t.hospitalId, t.patientId], foreignColumns: [patients.hospitalId, patients.id] }),
    foreignKey({ name: 'waitlist_entries_doctor_fk', columns: [t.hospitalId, t.doctorId], foreignColumns: [doctors.hospitalId, doctors.id] }),
    foreignKey({ name: 'waitlist_entries_visit_type_fk', columns: [t.hospitalId, t.visitTypeId], foreignColumns: [visitTypes.hospitalId, visitTypes.id] }),
    // The engine's scan: a hospital's active entries in order of joining.
    index('waitlist_entries_active_fifo_idx').on(t.hospitalId, t.createdAt, t.id).where(sql`${t.status} = 'active'`),
    index('waitlist_entries_hospital_patient_idx').on(t.hospitalId, t.patientId),
    check('waitlist_entries_status_check', sql`${t.status} in ('active', 'booked', 'removed')`),
    check('waitlist_entries_source_check', sql`${t.source} in ('staff', 'patient')`),
    check('waitlist_entries_range_check', sql`${t.latest} >= ${t.earliest}`),
    check('waitlist_entries_target_check', sql`${t.doctorId} is not null or ${t.visitTypeId} is not null`),
  ],
);

export const waitlistOfferStatuses = ['pending', 'accepted', 'declined', 'expired'] as const;
export type WaitlistOfferStatus = (typeof waitlistOfferStatuses)[number];

/**
 * A freed slot offered to one entry, held for it by a hold appointment
 * (kind 'offer') until `expires_at`. The hold id is not a foreign key: a
 * released or expired hold row is deleted, the offer stays as the record.
 * At most one pending offer per entry and per hold (partial unique indexes).
 */
export const waitlistOffers = pgTable(
  'waitlist_offers',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    entryId: uuid('entry_id').notNull(),
    holdAppointmentId: uuid('hold_appointment_id').notNull(),
    doctorId: uuid('doctor_id').notNull(),
    visitTypeId: uuid('visit_type_id'),
    startsAt: instant('starts_at').notNull(),
    endsAt: instant('ends_at').notNull(),
    status: text('status', { enum: waitlistOfferStatuses }).notNull().default('pending'),
    expiresAt: instant('expires_at').notNull(),
    /** The appointment accepting made or moved. */
    appointmentId: uuid('appointment_id'),
    ...timestamps(),
  },
  (t) => [
    foreignKey({ name: 'waitlist_offers_entry_fk', columns: [t.hospitalId, t.entryId], foreignColumns: [waitlistEntries.hospitalId, waitlistEntries.id] }).onDelete(
      'cascade',
    ),
    uniqueIndex('waitlist_offers_one_pending_per_entry').on(t.entryId).where(sql`${t.status} = 'pending'`),
    uniqueIndex('waitlist_offers_one_pending_per_hold').on(t.holdAppointmentId).where(sql`${t.status} = 'pending'`),
    // "Nothing offered twice": the slots an entry was already offered.
    index('waitlist_offers_entry_slot_idx').on(t.hospitalId, t.entryId, t.doctorId, t.startsAt),
    index('waitlist_offers_pending_expiry_idx').on(t.expiresAt).where(sql`${t.status} = 'pending'`),
    check('waitlist_offers_status_check', sql`${t.status} in ('pending', 'accepted', 'declined', 'expired')`),
    check('waitlist_offers_range_check', sql`${t.endsAt} > ${t.startsAt}`),
  ],
);
