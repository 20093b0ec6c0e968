import { sql } from 'drizzle-orm';
import { check, foreignKey, index, pgTable, smallint, text, uuid } from 'drizzle-orm/pg-core';
import { idColumn, instant, timestamps } from './columns.ts';
import { doctors } from './doctors.ts';

/**
 * A doctor's weekly working hours as local wall-clock minutes in the
 * hospital's time zone: ISO weekday 1 (Monday) to 7, minutes 0..1440 where
 * 1440 is "24:00", the start of the next local day. Replaced as a whole by
 * PUT /v1/doctors/:id/schedule.
 */
export const doctorWeeklyHours = pgTable(
  'doctor_weekly_hours',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id').notNull(),
    doctorId: uuid('doctor_id').notNull(),
    weekday: smallint('weekday').notNull(),
    startMinute: smallint('start_minute').notNull(),
    endMinute: smallint('end_minute').notNull(),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [
    foreignKey({
      name: 'doctor_weekly_hours_doctor_fk',
      columns: [t.hospitalId, t.doctorId],
      foreignColumns: [doctors.hospitalId, doctors.id],
    }).onDelete('cascade'),
    index('doctor_weekly_hours_doctor_idx').on(t.hospitalId, t.doctorId),
    check('doctor_weekly_hours_weekday_check', sql`${t.weekday} between 1 and 7`),
    check('doctor_weekly_hours_minutes_check', sql`${t.startMinute} >= 0 and ${t.endMinute} <= 1440 and ${t.endMinute} > ${t.startMinute}`),
  ],
);

/** Absences as ranges of instants; they may overlap (availability merges them). */
export const doctorTimeOff = pgTable(
  'doctor_time_off',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id').notNull(),
    doctorId: uuid('doctor_id').notNull(),
    startsAt: instant('starts_at').notNull(),
    endsAt: instant('ends_at').notNull(),
    reason: text('reason'),
    createdBy: uuid('created_by'),
    ...timestamps(),
  },
  (t) => [
    foreignKey({
      name: 'doctor_time_off_doctor_fk',
      columns: [t.hospitalId, t.doctorId],
      foreignColumns: [doctors.hospitalId, doctors.id],
    }).onDelete('cascade'),
    index('doctor_time_off_doctor_starts_idx').on(t.hospitalId, t.doctorId, t.startsAt),
    check('doctor_time_off_range_check', sql`${t.endsAt} > ${t.startsAt}`),
  ],
);
