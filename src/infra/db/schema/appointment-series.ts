import { sql } from 'drizzle-orm';
import { check, foreignKey, integer, jsonb, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { idColumn, instant, timestamps } from './columns.ts';
import { doctors } from './doctors.ts';
import { hospitals } from './hospitals.ts';
import { patients } from './patients.ts';
import { visitTypes } from './visit-types.ts';

/** An occurrence `skip` left out at booking, and why (the conflict's code and sentence). */
export interface SkippedOccurrence {
  start: string;
  code: string;
  reason: string;
  /** What the refusal said beyond its code: the resource kind that is short, `closure` for a closed hospital. */
  details?: { kind?: string; reason?: string };
}

export const seriesFrequencies = ['daily', 'weekly'] as const;
export type SeriesFrequency = (typeof seriesFrequencies)[number];

/**
 * A recurring booking: the rule it was booked by (first start, frequency,
 * interval, count or until, in the hospital's zone at the time) and who for.
 * Its occurrences are ordinary appointments carrying `series_id`; the series
 * row holds no state of its own beyond the rule, so an occurrence cancelled
 * or moved on its own is simply an appointment that changed. `skipped`
 * keeps what `onConflict: skip` left out, for the series' own page.
 */
export const appointmentSeries = pgTable(
  'appointment_series',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    doctorId: uuid('doctor_id').notNull(),
    patientId: uuid('patient_id').notNull(),
    /** The first occurrence's start; every later one keeps its local wall-clock time in `timezone`. */
    startsAt: instant('starts_at').notNull(),
    durationMinutes: integer('duration_minutes').notNull(),
    timezone: text('timezone').notNull(),
    frequency: text('frequency', { enum: seriesFrequencies }).notNull(),
    interval: integer('interval').notNull(),
    count: integer('count'),
    until: instant('until'),
    onConflict: text('on_conflict', { enum: ['fail', 'skip'] }).notNull(),
    reason: text('reason'),
    /** The visit type every occurrence is booked as (its duration, buffers and resources), if any. */
    visitTypeId: uuid('visit_type_id'),
    /** What `onConflict: skip` left out when the series was booked: the record of why the series has gaps. */
    skipped: jsonb('skipped').$type<SkippedOccurrence[]>().notNull().default([]),
    createdBy: uuid('created_by'),
    ...timestamps(),
  },
  (t) => [
    // The target of appointments' (hospital_id, series_id) key: an occurrence cannot name another hospital's series.
    unique('appointment_series_hospital_id_id_key').on(t.hospitalId, t.id),
    foreignKey({ name: 'appointment_series_doctor_fk', columns: [t.hospitalId, t.doctorId], foreignColumns: [doctors.hospitalId, doctors.id] }),
    foreignKey({ name: 'appointment_series_patient_fk', columns: [t.hospitalId, t.patientId], foreignColumns: [patients.hospitalId, patients.id] }),
    foreignKey({ name: 'appointment_series_visit_type_fk', columns: [t.hospitalId, t.visitTypeId], foreignColumns: [visitTypes.hospitalId, visitTypes.id] }),
    check('appointment_series_frequency_check', sql`${t.frequency} in ('daily', 'weekly')`),
    check('appointment_series_interval_check', sql`${t.interval} between 1 and 4`),
    check('appointment_series_on_conflict_check', sql`${t.onConflict} in ('fail', 'skip')`),
    // Exactly one of count and until.
    check('appointment_series_count_or_until', sql`(${t.count} is null) <> (${t.until} is null)`),
  ],
);
