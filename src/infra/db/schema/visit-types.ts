import { sql } from 'drizzle-orm';
import { boolean, check, foreignKey, index, integer, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import { idColumn, instant, timestamps } from './columns.ts';
import { doctors } from './doctors.ts';
import { hospitals } from './hospitals.ts';

/**
 * Kinds of visit a hospital books (SPEC section 14): their length, the
 * buffers around them, and the resource kinds each visit needs (`requires`,
 * a kind listed twice needs two resources of it). Never deleted: appointments
 * point at them; delete deactivates.
 */
export const visitTypes = pgTable(
  'visit_types',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    durationMinutes: integer('duration_minutes').notNull(),
    bufferBeforeMinutes: integer('buffer_before_minutes').notNull().default(0),
    bufferAfterMinutes: integer('buffer_after_minutes').notNull().default(0),
    requires: text('requires').array().notNull().default(sql`'{}'::text[]`),
    bookableOnline: boolean('bookable_online').notNull().default(true),
    color: text('color'),
    active: boolean('active').notNull().default(true),
    deactivatedAt: instant('deactivated_at'),
    ...timestamps(),
  },
  (t) => [
    unique('visit_types_hospital_id_id_key').on(t.hospitalId, t.id),
    index('visit_types_hospital_name_idx').on(t.hospitalId, t.name, t.id),
    check('visit_types_duration_check', sql`${t.durationMinutes} between 5 and 480`),
    check('visit_types_buffers_check', sql`${t.bufferBeforeMinutes} between 0 and 240 and ${t.bufferAfterMinutes} between 0 and 240`),
  ],
);

/** The doctors who offer a visit type; replaced as a whole when the type's doctorIds change. */
export const visitTypeDoctors = pgTable(
  'visit_type_doctors',
  {
    hospitalId: uuid('hospital_id').notNull(),
    visitTypeId: uuid('visit_type_id').notNull(),
    doctorId: uuid('doctor_id').notNull(),
  },
  (t) => [
    primaryKey({ name: 'visit_type_doctors_pkey', columns: [t.visitTypeId, t.doctorId] }),
    foreignKey({ name: 'visit_type_doctors_type_fk', columns: [t.hospitalId, t.visitTypeId], foreignColumns: [visitTypes.hospitalId, visitTypes.id] }).onDelete('cascade'),
    foreignKey({ name: 'visit_type_doctors_doctor_fk', columns: [t.hospitalId, t.doctorId], foreignColumns: [doctors.hospitalId, doctors.id] }).onDelete('cascade'),
    index('visit_type_doctors_doctor_idx').on(t.hospitalId, t.doctorId),
  ],
);
