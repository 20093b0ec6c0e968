import { sql } from 'drizzle-orm';
import { check, foreignKey, index, integer, jsonb, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { appointments } from './appointments.ts';
import { idColumn, instant, timestamps } from './columns.ts';
import { doctors } from './doctors.ts';
import { hospitals } from './hospitals.ts';
import { patients } from './patients.ts';

export interface Diagnosis {
  code: string;
  description: string;
}

export interface Prescription {
  drug: string;
  dose: string;
  frequency: string;
  durationDays: number;
}

/**
 * One clinical note per appointment. The row holds who and what it is about
 * and which version is current; the content lives in visit_note_versions.
 * Patient and doctor are copied from the appointment when the note is
 * written (an appointment never changes either). The hand-written migration
 * adds the deferrable key (id, current_version) → visit_note_versions, so the
 * pointer always names a stored version, and a trigger that lets an update
 * only move current_version forward by one.
 */
export const visitNotes = pgTable(
  'visit_notes',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    appointmentId: uuid('appointment_id')
      .notNull()
      .references(() => appointments.id),
    patientId: uuid('patient_id').notNull(),
    doctorId: uuid('doctor_id').notNull(),
    currentVersion: integer('current_version').notNull().default(1),
    ...timestamps(),
  },
  (t) => [
    unique('visit_notes_appointment_id_key').on(t.appointmentId),
    unique('visit_notes_hospital_id_id_key').on(t.hospitalId, t.id),
    foreignKey({ name: 'visit_notes_patient_fk', columns: [t.hospitalId, t.patientId], foreignColumns: [patients.hospitalId, patients.id] }),
    foreignKey({ name: 'visit_notes_doctor_fk', columns: [t.hospitalId, t.doctorId], foreignColumns: [doctors.hospitalId, doctors.id] }),
    // A patient's notes, newest first (GET /v1/patients/:id/visit-notes).
    index('visit_notes_hospital_patient_created_idx').on(t.hospitalId, t.patientId, t.createdAt.desc(), t.id.desc()),
    check('visit_notes_current_version_check', sql`${t.currentVersion} >= 1`),
  ],
);

/**
 * Every version of a note, append-only: a trigger in the hand-written
 * migration refuses UPDATE, DELETE and TRUNCATE, and tempus_app holds no
 * UPDATE/DELETE grant on it. Versions of one note are numbered 1..n without
 * gaps (unique (note_id, version); writers hold the note's row lock).
 */
export const visitNoteVersions = pgTable(
  'visit_note_versions',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    noteId: uuid('note_id').notNull(),
    version: integer('version').notNull(),
    subjective: text('subjective'),
    objective: text('objective'),
    assessment: text('assessment'),
    plan: text('plan'),
    diagnoses: jsonb('diagnoses').$type<Diagnosis[]>().notNull().default(sql`'[]'::jsonb`),
    prescriptions: jsonb('prescriptions').$type<Prescription[]>().notNull().default(sql`'[]'::jsonb`),
    authorUserId: uuid('author_user_id').notNull(),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [
    unique('visit_note_versions_note_version_key').on(t.noteId, t.version),
    foreignKey({ name: 'visit_note_versions_note_fk', columns: [t.hospitalId, t.noteId], foreignColumns: [visitNotes.hospitalId, visitNotes.id] }),
    check('visit_note_versions_version_check', sql`${t.version} >= 1`),
  ],
);
