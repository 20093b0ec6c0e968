import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { Executor } from '../../infra/db/client.ts';
import { appointments, type AppointmentStatus } from '../../infra/db/schema/appointments.ts';
import { auditEvents } from '../../infra/db/schema/audit.ts';
import { patients } from '../../infra/db/schema/patients.ts';
import { visitNotes, visitNoteVersions, type Diagnosis, type Prescription } from '../../infra/db/schema/visit-notes.ts';
import type { CursorPosition } from '../../shared/cursor.ts';
import type { Actor } from '../audit/audit.repo.ts';

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

export interface NoteAppointment {
  id: string;
  doctorId: string;
  patientId: string;
  status: AppointmentStatus;
}

/**
 * The appointment a note is about. `lock: 'share'` makes a concurrent status
 * change (cancel) wait for the note's transaction, or the note see the
 * cancellation: a note is never written on an appointment cancelled meanwhile.
 */
export async function findNoteAppointment(
  tx: Executor,
  hospitalId: string,
  appointmentId: string,
  opts: { lock?: 'share' } = {},
): Promise<NoteAppointment | null> {
  const query = tx
    .select({ id: appointments.id, doctorId: appointments.doctorId, patientId: appointments.patientId, status: appointments.status })
    .from(appointments)
    .where(and(eq(appointments.hospitalId, hospitalId), eq(appointments.id, appointmentId)))
    .limit(1);
  const [row] = opts.lock ? await query.for('share') : await query;
  return row ?? null;
}

export async function patientExists(tx: Executor, hospitalId: string, patientId: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: patients.id })
    .from(patients)
    .where(and(eq(patients.hospitalId, hospitalId), eq(patients.id, patientId)))
    .limit(1);
  return !!row;
}

export async function findNote(tx: Executor, hospitalId: string, noteId: string, opts: { forUpdate?: boolean } = {}): Promise<NoteRow | null> {
  const query = tx
    .select()
    .from(visitNotes)
    .where(and(eq(visitNotes.hospitalId, hospitalId), eq(visitNotes.id, noteId)))
    .limit(1);
  const [row] = opts.forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

export async function findNoteIdByAppointment(tx: Executor, hospitalId: string, appointmentId: string): Promise<string | null> {
  const [row] = await tx
    .select({ id: visitNotes.id })
    .from(visitNotes)
    .where(and(eq(visitNotes.hospitalId, hospitalId), eq(visitNotes.appointmentId, appointmentId)))
    .limit(1);
  return row?.id ?? null;
}

export async function insertNote(
  tx: Executor,
  hospitalId: string,
  values: { appointmentId: string; patientId: string; doctorId: string },
): Promise<NoteRow> {
  const [row] = await tx
    .insert(visitNotes)
    .values({ ...values, hospitalId, currentVersion: 1 })
    .returning();
  return row!;
}

export async function insertVersion(
  tx: Executor,
  hospitalId: string,
  values: { noteId: string; version: number; authorUserId: string; content: NoteContent },
): Promise<VersionRow> {
  const [row] = await tx
    .insert(visitNoteVersions)
    .values({ hospitalId, noteId: values.noteId, version: values.version, authorUserId: values.authorUserId, ...values.content })
    .returning();
  return row!;
}

/** Points the note at its next version (the trigger refuses anything but +1). */
export async function advanceNote(tx: Executor, hospitalId: string, noteId: string, version: number): Promise<NoteRow> {
  const [row] = await tx
    .update(visitNotes)
    .set({ currentVersion: version, updatedAt: sql`now()` })
    .where(and(eq(visitNotes.hospitalId, hospitalId), eq(visitNotes.id, noteId)))
    .returning();
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

export async function findCurrentNote(tx: Executor, hospitalId: string, noteId: string): Promise<CurrentNote | null> {
  const [row] = await tx
    .select(currentColumns)
    .from(visitNotes)
    .innerJoin(visitNoteVersions, currentVersionJoin)
    .where(and(eq(visitNotes.hospitalId, hospitalId), eq(visitNotes.id, noteId)))
    .limit(1);
  return row ?? null;
}

/** Oldest first, keyset on the version number; limit + 1 rows. */
export async function listVersions(tx: Executor, hospitalId: string, noteId: string, opts: { afterVersion: number; limit: number }): Promise<VersionRow[]> {
  return tx
    .select()
    .from(visitNoteVersions)
    .where(and(eq(visitNoteVersions.hospitalId, hospitalId), eq(visitNoteVersions.noteId, noteId), gt(visitNoteVersions.version, opts.afterVersion)))
    .orderBy(asc(visitNoteVersions.version))
    .limit(opts.limit + 1);
}

/** Keeps PostgreSQL's microseconds in the cursor (a JavaScript Date would cut them and skip or repeat notes). */
const createdKey = sql<string>`to_char(${visitNotes.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A patient's notes with their current content, newest first, keyset on (created_at, id); limit + 1 rows. */
export async function listPatientNotes(
  tx: Executor,
  hospitalId: string,
  patientId: string,
  opts: { after: CursorPosition | null; limit: number },
): Promise<(CurrentNote & { cursorKey: string })[]> {
  return tx
    .select({ ...currentColumns, cursorKey: createdKey })
    .from(visitNotes)
    .innerJoin(visitNoteVersions, currentVersionJoin)
    .where(
      and(
        eq(visitNotes.hospitalId, hospitalId),
        eq(visitNotes.patientId, patientId),
        opts.after ? sql`(${visitNotes.createdAt}, ${visitNotes.id}) < (${opts.after.key}::timestamptz, ${opts.after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(visitNotes.createdAt), desc(visitNotes.id))
    .limit(opts.limit + 1);
}

/**
 * One `visit_note.read` audit event per note shown, in one statement (a page
 * of a patient's notes is up to 100 reads). Same columns as recordAudit.
 */
export async function recordNoteReads(
  tx: Executor,
  hospitalId: string,
  actor: Actor,
  reads: { noteId: string; metadata: Record<string, unknown> }[],
): Promise<void> {
  if (reads.length === 0) return;
  await tx.insert(auditEvents).values(
    reads.map((r) => ({
      hospitalId,
      actorUserId: actor.userId,
      action: 'visit_note.read',
      entityType: 'visit_note',
      entityId: r.noteId,
      requestId: actor.requestId,
      changes: null,
      metadata: r.metadata,
    })),
  );
}
