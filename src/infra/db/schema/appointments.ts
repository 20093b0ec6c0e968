import { sql } from 'drizzle-orm';
import { check, foreignKey, index, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { appointmentSeries } from './appointment-series.ts';
import { idColumn, instant, timestamps } from './columns.ts';
import { doctors } from './doctors.ts';
import { hospitals } from './hospitals.ts';
import { patients } from './patients.ts';
import { visitTypes } from './visit-types.ts';

/** The statuses an appointment shows (API, webhooks, FHIR, exports). */
export const appointmentStatuses = ['scheduled', 'completed', 'cancelled', 'no_show'] as const;
export type AppointmentStatus = (typeof appointmentStatuses)[number];
/**
 * What the column stores: also `held`, a slot taken for a while before it is
 * booked (src/modules/holds). A held row is no appointment: every read path
 * leaves it out, except the ones that ask whether time is taken.
 */
export const storedAppointmentStatuses = [...appointmentStatuses, 'held'] as const;

/** The longest an appointment (or hold) may last: the API's bound on durations, enforced by a check constraint too. */
export const MAX_APPOINTMENT_MINUTES = 480;

/**
 * Appointments. No two `scheduled` appointments of one doctor (or of one
 * patient) overlap: exclusion constraints over tstzrange(starts_at, ends_at)
 * in the hand-written migration (appointments_doctor_no_overlap,
 * appointments_patient_no_overlap) guarantee it under any concurrency. The
 * doctor's constraint covers `held` rows too (a hold takes the slot through
 * the same guarantee); a held row has no patient yet and an expiry.
 */
export const appointments = pgTable(
  'appointments',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    doctorId: uuid('doctor_id').notNull(),
    /** Null only while `held` (the visitor is not a patient yet). */
    patientId: uuid('patient_id'),
    startsAt: instant('starts_at').notNull(),
    endsAt: instant('ends_at').notNull(),
    status: text('status', { enum: storedAppointmentStatuses }).notNull().default('scheduled'),
    reason: text('reason'),
    /** The visit type booked, if any; its buffers are copied so a later change of the type moves no booking. */
    visitTypeId: uuid('visit_type_id'),
    bufferBeforeMinutes: integer('buffer_before_minutes').notNull().default(0),
    bufferAfterMinutes: integer('buffer_after_minutes').notNull().default(0),
    cancelReason: text('cancel_reason'),
    createdBy: uuid('created_by'),
    /** Bumped by every change (reschedule, cancel, ...): a reminder carries the version it was scheduled for. */
    version: integer('version').notNull().default(1),
    /** The series this appointment is an occurrence of (POST /v1/appointment-series); null for a single booking. */
    seriesId: uuid('series_id'),
    /** When a `held` row stops taking its slot (set iff held); an expired hold blocks nothing and is deleted by the next writer or retention. */
    holdExpiresAt: instant('hold_expires_at'),
    ...timestamps(),
  },
  (t) => [
    foreignKey({
      name: 'appointments_doctor_fk',
      columns: [t.hospitalId, t.doctorId],
      foreignColumns: [doctors.hospitalId, doctors.id],
    }),
    foreignKey({
      name: 'appointments_patient_fk',
      columns: [t.hospitalId, t.patientId],
      foreignColumns: [patients.hospitalId, patients.id],
    }),
    foreignKey({
      name: 'appointments_visit_type_fk',
      columns: [t.hospitalId, t.visitTypeId],
      foreignColumns: [visitTypes.hospitalId, visitTypes.id],
    }),
    foreignKey({
      name: 'appointments_series_fk',
      columns: [t.hospitalId, t.seriesId],
      foreignColumns: [appointmentSeries.hospitalId, appointmentSeries.id],
    }),
    // A series' occurrences in order (GET /v1/appointment-series/:id, its cancel).
    index('appointments_hospital_series_starts_idx').on(t.hospitalId, t.seriesId, t.startsAt).where(sql`${t.seriesId} is not null`),
    index('appointments_hospital_doctor_starts_idx').on(t.hospitalId, t.doctorId, t.startsAt),
    index('appointments_hospital_patient_starts_idx').on(t.hospitalId, t.patientId, t.startsAt),
    // Listing by start across doctors, and the monthly plan-limit count.
    index('appointments_hospital_starts_idx').on(t.hospitalId, t.startsAt, t.id),
    // Expired holds, for the sweep of retention (the writers' sweep goes by doctor and time).
    index('appointments_hospital_hold_expiry_idx').on(t.hospitalId, t.holdExpiresAt).where(sql`${t.status} = 'held'`),
    check('appointments_ends_after_starts', sql`${t.endsAt} > ${t.startsAt}`),
    // A bound on the length lets overlap reads under row-level security use the btree on starts_at (liveOverlap).
    check('appointments_duration_bound', sql`${t.endsAt} - ${t.startsAt} <= interval '${sql.raw(String(MAX_APPOINTMENT_MINUTES))} minutes'`),
    check('appointments_status_check', sql`${t.status} in ('scheduled', 'completed', 'cancelled', 'no_show', 'held')`),
    check('appointments_patient_check', sql`${t.status} = 'held' or ${t.patientId} is not null`),
    check('appointments_hold_expiry_check', sql`(${t.status} = 'held') = (${t.holdExpiresAt} is not null)`),
  ],
);
