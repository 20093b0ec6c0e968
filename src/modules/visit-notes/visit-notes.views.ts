import type { CurrentNote, VersionRow } from './visit-notes.repo.ts';

export function noteView(row: CurrentNote) {
  return {
    id: row.id,
    appointmentId: row.appointmentId,
    patientId: row.patientId,
    doctorId: row.doctorId,
    version: row.currentVersion,
    subjective: row.subjective,
    objective: row.objective,
    assessment: row.assessment,
    plan: row.plan,
    diagnoses: row.diagnoses,
    prescriptions: row.prescriptions,
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
    subjective: row.subjective,
    objective: row.objective,
    assessment: row.assessment,
    plan: row.plan,
    diagnoses: row.diagnoses,
    prescriptions: row.prescriptions,
    authorUserId: row.authorUserId,
    createdAt,
    updatedAt: createdAt,
  };
}
