// The visit-notes module owns clinical notes of appointments: versioned, written by the appointment's doctor, every read audited.
import type { Db } from '../../infra/db/client.ts';
import { isConstraintViolation, PG_UNIQUE_VIOLATION } from '../../infra/db/errors.ts';
import type { MemberRole } from '../../infra/db/schema/members.ts';
import { withTenant, type TenantScope } from '../../infra/db/tenant.ts';
import { decodeNumberCursor, decodeTimeCursor, pageOf } from '../../shared/cursor.ts';
import { DomainError, forbidden, notFound, validation } from '../../shared/errors.ts';
import { findAppointment, type AppointmentRow } from '../appointments/appointments.repo.ts';
import { recordAccess } from '../access-log/access-log.repo.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';
import { findPatient } from '../patients/patients.repo.ts';
import {
  advanceNote,
  findCurrentNote,
  findNote,
  findNoteIdByAppointment,
  insertNote,
  insertVersion,
  listPatientNotes,
  listVersions,
  type CurrentNote,
  type NoteContent,
  type VersionRow,
} from './visit-notes.repo.ts';
import type { ListQueryInput, NoteContentInput } from './visit-notes.schemas.ts';

export type NoteActor = Actor & { hospitalId: string; role: MemberRole; doctorId: string | null };

const CONTENT_FIELDS = ['subjective', 'objective', 'assessment', 'plan', 'diagnoses', 'prescriptions'] as const;

/**
 * Who may read clinical notes. The permission table already keeps staff out
 * at the route; the service says it again so that a route added later with
 * a looser permission still cannot hand a note to the front desk.
 */
const CLINICAL_READERS: readonly MemberRole[] = ['owner', 'admin', 'doctor'];

function assertClinicalReader(actor: NoteActor): void {
  if (!CLINICAL_READERS.includes(actor.role)) throw forbidden('Visit notes are readable by doctors, owners and admins only');
}

/** A PUT replaces the whole content: what is left out is empty in the new version. */
function contentOf(input: NoteContentInput): NoteContent {
  const content: NoteContent = {
    subjective: input.subjective ?? null,
    objective: input.objective ?? null,
    assessment: input.assessment ?? null,
    plan: input.plan ?? null,
    diagnoses: input.diagnoses ?? [],
    prescriptions: input.prescriptions ?? [],
  };
  if (filledFields(content).length === 0) {
    throw validation('A visit note needs at least one of subjective, objective, assessment, plan, diagnoses or prescriptions', {
      fields: [{ field: 'body', in: 'body', message: `needs at least one of ${CONTENT_FIELDS.join(', ')}` }],
    });
  }
  return content;
}

/** Names of the fields that hold something (audit: names, never values). */
function filledFields(content: NoteContent): string[] {
  return CONTENT_FIELDS.filter((f) => {
    const value = content[f];
    return Array.isArray(value) ? value.length > 0 : value !== null;
  });
}

/** JSON with object keys sorted: jsonb hands objects back in its own key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

function changedFields(before: NoteContent, after: NoteContent): string[] {
  return CONTENT_FIELDS.filter((f) => canonical(before[f]) !== canonical(after[f]));
}

/** Writes: only the appointment's own doctor, never on a cancelled appointment. */
function assertMayWrite(actor: NoteActor, appointment: AppointmentRow): void {
  if (!actor.doctorId || actor.doctorId !== appointment.doctorId) {
    throw forbidden("Only the appointment's doctor may write its visit note");
  }
  if (appointment.status === 'cancelled') {
    throw new DomainError('APPOINTMENT_CANCELLED', 'The appointment is cancelled; a visit note cannot be written for it', {
      appointmentId: appointment.id,
    });
  }
}

const noteExists = (appointmentId: string, noteId: string | null) =>
  new DomainError(
    'VISIT_NOTE_EXISTS',
    'This appointment already has a visit note; write a new version with PUT /v1/visit-notes/{id}',
    { appointmentId, ...(noteId ? { noteId, update: `PUT /v1/visit-notes/${noteId}` } : {}) },
  );

/**
 * The appointment a note is about, share-locked: a concurrent status change
 * (cancel) waits for the note's transaction, or the note sees the
 * cancellation, so a note is never written on an appointment cancelled meanwhile.
 */
const noteAppointment = (scope: TenantScope, appointmentId: string) => findAppointment(scope, appointmentId, { lock: 'share' });

/** One `visit_note.read` audit event per note shown, in one statement (a page of a patient's notes is up to 100 reads). */
function recordReads(scope: TenantScope<NoteActor>, reads: { noteId: string; metadata: Record<string, unknown> }[]) {
  return recordAudit(
    scope,
    reads.map((r) => ({ action: 'visit_note.read', entityType: 'visit_note', entityId: r.noteId, metadata: r.metadata })),
  );
}

/**
 * A version is signed when it is written (author and time fixed, immutable
 * afterwards), so each one is a `visit_note.signed` webhook — with ids and the
 * version number only, never a word of the note.
 */
function noteWebhookData(noteId: string, appointment: { id: string; patientId: string; doctorId: string }, version: number) {
  return { id: noteId, version, appointmentId: appointment.id, patientId: appointment.patientId, doctorId: appointment.doctorId };
}

export function createVisitNoteService({ db }: { db: Db }) {
  async function current(scope: TenantScope, noteId: string): Promise<CurrentNote> {
    const row = await findCurrentNote(scope, noteId);
    if (!row) throw notFound('Visit note');
    return row;
  }

  return {
    /** The first version of an appointment's note. */
    async create(actor: NoteActor, appointmentId: string, input: NoteContentInput): Promise<CurrentNote> {
      const content = contentOf(input);
      try {
        return await withTenant(db, actor, async (scope) => {
          const appointment = await noteAppointment(scope, appointmentId);
          if (!appointment) throw notFound('Appointment');
          assertMayWrite(actor, appointment);
          const existing = await findNoteIdByAppointment(scope, appointmentId);
          if (existing) throw noteExists(appointmentId, existing);
          const note = await insertNote(scope, {
            appointmentId,
            patientId: appointment.patientId,
            doctorId: appointment.doctorId,
          });
          await insertVersion(scope, { noteId: note.id, version: 1, authorUserId: actor.userId, content });
          await recordAudit(scope, {
            action: 'visit_note.created',
            entityType: 'visit_note',
            entityId: note.id,
            changes: filledFields(content),
            metadata: { appointmentId, patientId: appointment.patientId, version: 1 },
          });
          await emitWebhookEvent(scope, 'visit_note.signed', noteWebhookData(note.id, appointment, 1));
          return current(scope, note.id);
        });
      } catch (err) {
        // Two first writes at once: the unique appointment_id lets one through.
        if (isConstraintViolation(err, PG_UNIQUE_VIOLATION, 'visit_notes_appointment_id_key')) {
          const noteId = await withTenant(db, actor, (scope) => findNoteIdByAppointment(scope, appointmentId));
          throw noteExists(appointmentId, noteId);
        }
        throw err;
      }
    },

    /**
     * A new version. The note's row lock orders concurrent writers: each one
     * reads the version the previous one wrote and adds the next number, so
     * none is lost and none is numbered twice (unique (note_id, version) is
     * the backstop).
     */
    async writeVersion(actor: NoteActor, noteId: string, input: NoteContentInput): Promise<CurrentNote> {
      const content = contentOf(input);
      try {
        return await withTenant(db, actor, async (scope) => {
          const note = await findNote(scope, noteId, { forUpdate: true });
          if (!note) throw notFound('Visit note');
          const appointment = await noteAppointment(scope, note.appointmentId);
          if (!appointment) throw notFound('Visit note');
          assertMayWrite(actor, appointment);
          const previous = await current(scope, noteId);
          const version = note.currentVersion + 1;
          await insertVersion(scope, { noteId, version, authorUserId: actor.userId, content });
          await advanceNote(scope, noteId, version);
          await recordAudit(scope, {
            action: 'visit_note.version_written',
            entityType: 'visit_note',
            entityId: noteId,
            changes: changedFields(previous, content),
            metadata: { appointmentId: note.appointmentId, patientId: note.patientId, version, previousVersion: note.currentVersion },
          });
          await emitWebhookEvent(scope, 'visit_note.signed', noteWebhookData(noteId, { id: note.appointmentId, patientId: note.patientId, doctorId: note.doctorId }, version));
          return current(scope, noteId);
        });
      } catch (err) {
        if (isConstraintViolation(err, PG_UNIQUE_VIOLATION, 'visit_note_versions_note_version_key')) {
          throw new DomainError('CONFLICT', 'Another version of this note was written at the same moment; send it again', { noteId });
        }
        throw err;
      }
    },

    async get(actor: NoteActor, noteId: string): Promise<CurrentNote> {
      assertClinicalReader(actor);
      return withTenant(db, actor, async (scope) => {
        const row = await current(scope, noteId);
        await recordReads(scope, [{ noteId, metadata: { version: row.currentVersion } }]);
        await recordAccess(scope, 'visit_note.read', [row.patientId]);
        return row;
      });
    },

    /** Every version, oldest first. */
    async versions(actor: NoteActor, noteId: string, query: ListQueryInput): Promise<{ items: VersionRow[]; nextCursor: string | null }> {
      assertClinicalReader(actor);
      const afterVersion = decodeNumberCursor(query.cursor);
      return withTenant(db, actor, async (scope) => {
        const note = await findNote(scope, noteId);
        if (!note) throw notFound('Visit note');
        const rows = await listVersions(scope, noteId, { afterVersion, limit: query.limit });
        await recordAccess(scope, 'visit_note.history', [note.patientId]);
        const result = pageOf(rows, query.limit, (r) => String(r.version));
        await recordAudit(scope, {
          action: 'visit_note.history_read',
          entityType: 'visit_note',
          entityId: noteId,
          metadata: { versions: result.items.map((v) => v.version) },
        });
        return result;
      });
    },

    /** A patient's notes (current versions), newest first; every note shown is a read. */
    async listForPatient(actor: NoteActor, patientId: string, query: ListQueryInput): Promise<{ items: CurrentNote[]; nextCursor: string | null }> {
      assertClinicalReader(actor);
      const after = decodeTimeCursor(query.cursor);
      return withTenant(db, actor, async (scope) => {
        if (!(await findPatient(scope, patientId))) throw notFound('Patient');
        const rows = await listPatientNotes(scope, patientId, { after, limit: query.limit });
        await recordAccess(scope, 'visit_note.list', [patientId]);
        const result = pageOf(rows, query.limit, (r) => r.cursorKey);
        await recordReads(
          scope,
          result.items.map((n) => ({ noteId: n.id, metadata: { version: n.currentVersion, patientId, via: 'patient_notes' } })),
        );
        return result;
      });
    },
  };
}

export type VisitNoteService = ReturnType<typeof createVisitNoteService>;
