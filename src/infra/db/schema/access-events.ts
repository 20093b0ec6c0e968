import { foreignKey, index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { idColumn, instant } from './columns.ts';
import { hospitals } from './hospitals.ts';
import { patients } from './patients.ts';

/**
 * Who saw which patient, when and why: one row per patient named by a read
 * (a page of 100 patients is 100 rows written by ONE insert statement, in the
 * read's own transaction). Append-only: the hand-written migration refuses
 * UPDATE always and DELETE except for rows older than the cutoff the
 * retention task declares in its own transaction (`app.access_purge_before`).
 */
export const accessEvents = pgTable(
  'access_events',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    patientId: uuid('patient_id').notNull(),
    /** null: a read on the hospital's behalf with no signed-in user (none today). */
    actorUserId: uuid('actor_user_id'),
    actorRole: text('actor_role'),
    /** What the read was for, from the route: patient.read, patient.list, appointment.list, visit_note.read, deliveries.read, ... */
    purpose: text('purpose').notNull(),
    requestId: text('request_id'),
    at: instant('at').notNull().defaultNow(),
  },
  (t) => [
    foreignKey({ name: 'access_events_patient_fk', columns: [t.hospitalId, t.patientId], foreignColumns: [patients.hospitalId, patients.id] }),
    index('access_events_patient_at_idx').on(t.hospitalId, t.patientId, t.at.desc(), t.id.desc()),
    // The retention task deletes oldest first across hospitals.
    index('access_events_at_idx').on(t.at),
  ],
);
