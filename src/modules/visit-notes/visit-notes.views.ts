import type { CurrentNote, NoteContent, VersionRow } from './visit-notes.repo.ts';

/** The clinical content of a version, in the order the API shows it. */
const contentView = (row: NoteContent): NoteContent => ({
  subjective: row.subjective,
  objective: row.objective,
  assessment: row.assessment,
  plan: row.plan,
  diagnoses: row.diagnoses,
  prescriptions: row.prescriptions,
});

export function noteView(row: CurrentNote) {
  return {
    id: row.id,
    appointmentId: row.appointmentId,
    patientId: row.patientId,
    doctorId: row.doctorId,
    version: row.currentVersion,
    ...contentView(row),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function versionView(row: VersionRow) {
  const createdAt = row.createdAt.toISOString();
  return {
    id: row.id,
    noteId: row.noteId,
    version: row.version,
    ...contentView(row),
    authorUserId: row.authorUserId,
    createdAt,
    updatedAt: createdAt,
  };
}
