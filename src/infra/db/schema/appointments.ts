import { sql } from 'drizzle-orm';
import { check, foreignKey, index, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { appointmentSeries } from './appointment-series.ts';
import { idColumn, instant, timestamps } from './columns.ts';
import { doctors } from './doctors.ts';
import { hospitals } from './hospitals.ts';
import { patients } from './patients.ts';
import { visitTypes } from './visit-types.ts';

export const appointmentStatuses = ['scheduled', 'completed', 'cancelled', 'no_show'] as const;
export type AppointmentStatus = (typeof appointmentStatuses)[number];

/**
 * Appointments. No two `scheduled` appointments of one doctor (or of one
 * patient) overlap: exclusion constraints over tstzrange(starts_at, ends_at)
 * in the hand-written migration (appointments_doctor_no_overlap,
 * appointments_patient_no_overlap) guarantee it under any concurrency.
 */
export const appointments = pgTable(
  'appointments',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    doctorId: uuid('doctor_id').notNull(),
    patientId: uuid('patient_id').notNull(),
    startsAt: instant('starts_at').notNull(),
    endsAt: instant('ends_at').notNull(),
    status: text('status', { enum: appointmentStatuses }).notNull().default('scheduled'),
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
    check('appointments_ends_after_starts', sql`${t.endsAt} > ${t.startsAt}`),
    check('appointments_status_check', sql`${t.status} in ('scheduled', 'completed', 'cancelled', 'no_show')`),
  ],
);
