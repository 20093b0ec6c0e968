import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import { afterCursor, microsecondKey } from '../../infra/db/fragments.ts';
import { visitNotes, visitNoteVersions, type Diagnosis, type Prescription } from '../../infra/db/schema/visit-notes.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

export type NoteRow = typeof visitNotes.$inferSelect;
export type VersionRow = typeof visitNoteVersions.$inferSelect;

export interface NoteContent {
  subjective: string | null;
  objective: string | null;
  assessment: string | null;
  plan: string | null;
  diagnoses: Diagnosis[];
  prescriptions: Prescription[];
}

/** A note with the content of its current version. */
export type CurrentNote = NoteRow & NoteContent;

export async function findNote(scope: TenantScope, noteId: string, opts: { forUpdate?: boolean } = {}): Promise<NoteRow | null> {
  const query = scope.select(visitNotes, eq(visitNotes.id, noteId)).limit(1);
  const [row] = opts.forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

export async function findNoteIdByAppointment(scope: TenantScope, appointmentId: string): Promise<string | null> {
  const [row] = await scope.tx
    .select({ id: visitNotes.id })
    .from(visitNotes)
    .where(scope.where(visitNotes, eq(visitNotes.appointmentId, appointmentId)))
    .limit(1);
  return row?.id ?? null;
}

export async function insertNote(scope: TenantScope, values: { appointmentId: string; patientId: string; doctorId: string }): Promise<NoteRow> {
  const [row] = await scope.insert(visitNotes, { ...values, currentVersion: 1 }).returning();
  return row!;
}

export async function insertVersion(
  scope: TenantScope,
  values: { noteId: string; version: number; authorUserId: string; content: NoteContent },
): Promise<VersionRow> {
  const [row] = await scope
    .insert(visitNoteVersions, { noteId: values.noteId, version: values.version, authorUserId: values.authorUserId, ...values.content })
    .returning();
  return row!;
}

/** Points the note at its next version (the trigger refuses anything but +1). */
export async function advanceNote(scope: TenantScope, noteId: string, version: number): Promise<NoteRow> {
  const [row] = await scope.update(visitNotes, { currentVersion: version, updatedAt: sql`now()` }, eq(visitNotes.id, noteId)).returning();
  return row!;
}

const currentColumns = {
  id: visitNotes.id,
  hospitalId: visitNotes.hospitalId,
  appointmentId: visitNotes.appointmentId,
  patientId: visitNotes.patientId,
  doctorId: visitNotes.doctorId,
  currentVersion: visitNotes.currentVersion,
  createdAt: visitNotes.createdAt,
  updatedAt: visitNotes.updatedAt,
  subjective: visitNoteVersions.subjective,
  objective: visitNoteVersions.objective,
  assessment: visitNoteVersions.assessment,
  plan: visitNoteVersions.plan,
  diagnoses: visitNoteVersions.diagnoses,
  prescriptions: visitNoteVersions.prescriptions,
};

const currentVersionJoin = and(
  eq(visitNoteVersions.hospitalId, visitNotes.hospitalId),
  eq(visitNoteVersions.noteId, visitNotes.id),
  eq(visitNoteVersions.version, visitNotes.currentVersion),
);

export async function findCurrentNote(scope: TenantScope, noteId: string): Promise<CurrentNote | null> {
  const [row] = await scope.tx
    .select(currentColumns)
    .from(visitNotes)
    .innerJoin(visitNoteVersions, currentVersionJoin)
    .where(scope.where(visitNotes, eq(visitNotes.id, noteId)))
    .limit(1);
  return row ?? null;
}

/** Oldest first, keyset on the version number; limit + 1 rows. */
export async function listVersions(scope: TenantScope, noteId: string, opts: { afterVersion: number; limit: number }): Promise<VersionRow[]> {
  return scope
    .select(visitNoteVersions, eq(visitNoteVersions.noteId, noteId), gt(visitNoteVersions.version, opts.afterVersion))
    .orderBy(asc(visitNoteVersions.version))
    .limit(opts.limit + 1);
}

/** A patient's notes with their current content, newest first, keyset on (created_at, id); limit + 1 rows. */
export async function listPatientNotes(
  scope: TenantScope,
  patientId: string,
  opts: { after: CursorPosition | null; limit: number },
): Promise<(CurrentNote & { cursorKey: string })[]> {
  return scope.tx
    .select({ ...currentColumns, cursorKey: microsecondKey(visitNotes.createdAt) })
    .from(visitNotes)
    .innerJoin(visitNoteVersions, currentVersionJoin)
    .where(
      scope.where(
        visitNotes,
        eq(visitNotes.patientId, patientId),
        afterCursor(opts.after, [visitNotes.createdAt, visitNotes.id], 'desc'),
      ),
    )
    .orderBy(desc(visitNotes.createdAt), desc(visitNotes.id))
    .limit(opts.limit + 1);
}
