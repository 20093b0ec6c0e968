// The waitlist module owns patients waiting for an earlier time: the entries staff and patients add, and the offers a freed slot makes to them (offer-engine.ts).
import { Temporal } from 'temporal-polyfill';
import type { Db } from '../../infra/db/client.ts';
import type { MemberRole } from '../../infra/db/schema/members.ts';
import type { WaitlistSource } from '../../infra/db/schema/waitlist.ts';
import { TenantScope, withTenant, type ScopeActor } from '../../infra/db/tenant.ts';
import { decodeTimeCursor, pageOf } from '../../shared/cursor.ts';
import { forbidden, notFound, validation } from '../../shared/errors.ts';
import { patientActor, recordAudit, type Actor } from '../audit/audit.repo.ts';
import { findAppointment } from '../appointments/appointments.repo.ts';
import { addLocalDays } from '../appointments/booking-rules.ts';
import { localDateOf } from '../availability/local-time.ts';
import { findHospital } from '../hospitals/hospitals.repo.ts';
import { findDoctor } from '../doctors/doctors.repo.ts';
import { findPatient } from '../patients/patients.repo.ts';
import type { ManageLinks } from '../manage/manage-links.ts';
import { findVisitType } from '../visit-types/visit-types.repo.ts';
import { activeEntryOverlapping, findEntry, insertEntryOnce, listEntries, pendingOfferOf, setEntryStatus, type WaitlistEntryRow } from './waitlist.repo.ts';
import type { CreateWaitlistEntryInput, JoinWaitlistInput, ListWaitlistInput } from './waitlist.schemas.ts';
import { withdrawOffer } from './offer-engine.ts';

export interface WaitlistActor extends Actor {
  hospitalId: string;
  role: MemberRole;
  doctorId: string | null;
}

/** An entry as stored: validated ids of this hospital, dates in order. */
export interface NewEntry {
  patientId: string;
  doctorId?: string | null;
  visitTypeId?: string | null;
  earliest: string;
  latest: string;
  note?: string | null;
}

/** An entry added, or the active one of the same patient and target over those dates that was there already (joining is idempotent). */
export interface AddedEntry {
  row: WaitlistEntryRow;
  created: boolean;
}

/**
 * Checks and writes one entry inside the caller's transaction (staff route
 * and manage link alike); 404 for ids this hospital does not have. A patient
 * already waiting for the same doctor and visit type over any of those days
 * gets that entry back instead of a second one (and no audit line: nothing
 * changed).
 */
export async function addEntryWithin(scope: TenantScope<ScopeActor>, entry: NewEntry, source: WaitlistSource, createdBy: string | null): Promise<AddedEntry> {
  if (!entry.doctorId && !entry.visitTypeId) {
    throw validation('Invalid body: name a doctorId, a visitTypeId or both', { fields: [{ field: 'doctorId', in: 'body', message: 'or visitTypeId is required' }] });
  }
  for (const field of ['earliest', 'latest'] as const) {
    try {
      Temporal.PlainDate.from(entry[field], { overflow: 'reject' });
    } catch {
      throw validation(`Invalid body: ${field} is not a calendar date`, { fields: [{ field, in: 'body', message: 'must be a calendar date YYYY-MM-DD' }] });
    }
  }
  // ISO dates compare as strings.
  if (entry.latest < entry.earliest) {
    throw validation('Invalid body: latest must not be before earliest', { fields: [{ field: 'latest', in: 'body', message: 'must not be before earliest' }] });
  }
  if (!(await findPatient(scope, entry.patientId))) throw notFound('Patient');
  if (entry.doctorId && !(await findDoctor(scope, entry.doctorId))) throw notFound('Doctor');
  if (entry.visitTypeId && !(await findVisitType(scope, entry.visitTypeId))) throw notFound('Visit type');
  const added = await insertEntryOnce(scope, {
    patientId: entry.patientId,
    doctorId: entry.doctorId ?? null,
    visitTypeId: entry.visitTypeId ?? null,
    earliest: entry.earliest,
    latest: entry.latest,
    note: entry.note?.trim() || null,
    source,
    createdBy,
  });
  if (added.created) await recordAudit(scope, auditAdded(added.row));
  return added;
}

/** What a manage link's appointment waits for: an earlier time with its doctor and visit type, from today to the day before it (local dates). */
function earlierTimeOf(appointment: { patientId: string; doctorId: string; visitTypeId: string | null; startsAt: Date }, timezone: string, now: Date, dates: JoinWaitlistInput = {}) {
  return {
    patientId: appointment.patientId,
    doctorId: appointment.doctorId,
    visitTypeId: appointment.visitTypeId,
    earliest: dates.earliest ?? localDateOf(now.getTime(), timezone).toString(),
    latest: dates.latest ?? addLocalDays(localDateOf(appointment.startsAt.getTime(), timezone).toString(), -1),
  };
}

/**
 * The active entry by which the patient of a manage link already waits for
 * an earlier time: the one a join with the defaults would answer (same
 * doctor and visit type, dates overlapping today .. the day before the
 * visit); null when there is none, or no day is left before the visit.
 */
export async function earlierTimeEntryOf(
  scope: TenantScope,
  appointment: { patientId: string; doctorId: string; visitTypeId: string | null; startsAt: Date },
  timezone: string,
  now: Date,
): Promise<WaitlistEntryRow | null> {
  const target = earlierTimeOf(appointment, timezone, now);
  return target.latest < target.earliest ? null : activeEntryOverlapping(scope, target);
}

const auditAdded = (row: WaitlistEntryRow) => ({
  action: 'waitlist.entry_added',
  entityType: 'waitlist_entry',
  entityId: row.id,
  changes: ['patientId', 'earliest', 'latest', ...(row.doctorId ? ['doctorId'] : []), ...(row.visitTypeId ? ['visitTypeId'] : []), ...(row.note ? ['note'] : [])],
  metadata: { patientId: row.patientId, source: row.source },
});

export interface WaitlistServiceDeps {
  db: Db;
  /** Reads manage links (a patient joins from one). */
  links: Pick<ManageLinks, 'read'>;
  now?: () => Date;
}

export function createWaitlistService({ db, links, now = () => new Date() }: WaitlistServiceDeps) {
  /** A doctor sees and changes only the entries for themselves; others' are 404 (no existence leak), as with appointments. */
  function visibleTo(actor: WaitlistActor, row: WaitlistEntryRow | null): WaitlistEntryRow {
    if (!row) throw notFound('Waitlist entry');
    if (actor.role === 'doctor' && row.doctorId !== actor.doctorId) throw notFound('Waitlist entry');
    return row;
  }

  return {
    /** A second add of the same patient and target over overlapping dates answers the first entry (`created` false). */
    async add(actor: WaitlistActor, input: CreateWaitlistEntryInput): Promise<AddedEntry> {
      if (actor.role === 'doctor' && input.doctorId !== actor.doctorId) throw forbidden('A doctor can only add waitlist entries for themselves');
      return withTenant(db, actor, (scope) => addEntryWithin(scope, input, 'staff', actor.userId));
    },

    async list(actor: WaitlistActor, query: ListWaitlistInput) {
      if (actor.role === 'doctor' && query.doctorId && query.doctorId !== actor.doctorId) throw forbidden('A doctor can only list their own waitlist');
      const after = decodeTimeCursor(query.cursor);
      if (actor.role === 'doctor' && !actor.doctorId) return { items: [], nextCursor: null };
      const doctorId = actor.role === 'doctor' ? actor.doctorId! : query.doctorId;
      const rows = await withTenant(db, actor, (scope) =>
        listEntries(scope, { doctorId, patientId: query.patientId, visitTypeId: query.visitTypeId, status: query.status }, after, query.limit),
      );
      return pageOf(rows, query.limit, (row) => row.cursorKey);
    },

    /**
     * A patient joins from the manage link of their appointment (the route
     * checked the token): waiting for the same doctor and visit type, from
     * today (default) to the day before that appointment (default), in the
     * hospital's zone. The audit log names the patient as the actor. Joining
     * again while waiting over any of those days answers the entry there is.
     */
    async joinFromManageLink(token: string, input: JoinWaitlistInput, requestId: string): Promise<AddedEntry> {
      // Tampered, expired, foreign, cancelled: the same 404 as every manage-link route.
      const ref = links.read(token);
      if (!ref) throw notFound('Appointment');
      const { hospitalId, appointmentId } = ref;
      return withTenant(db, hospitalId, async (base) => {
        const appointment = await findAppointment(base, appointmentId);
        if (!appointment || appointment.status !== 'scheduled' || !appointment.patientId) throw notFound('Appointment');
        const patient = await findPatient(base, appointment.patientId);
        if (!patient || patient.erasedAt) throw notFound('Appointment');
        const hospital = (await findHospital(base))!;
        const scope = new TenantScope(base.tx, hospitalId, patientActor(hospitalId, appointment.patientId, requestId));
        const target = earlierTimeOf({ ...appointment, patientId: appointment.patientId }, hospital.timezone, now(), input);
        return addEntryWithin(scope, target, 'patient', null);
      });
    },

    /** Removing an entry withdraws its pending offer, if any: the hold is released and the slot passes on. */
    async remove(actor: WaitlistActor, id: string): Promise<WaitlistEntryRow> {
      return withTenant(db, actor, async (scope) => {
        const current = visibleTo(actor, await findEntry(scope, id, { lock: true }));
        if (current.status === 'removed') return current;
        const row = (await setEntryStatus(scope, id, 'removed'))!;
        const pending = await pendingOfferOf(scope, id);
        if (pending) await withdrawOffer(scope, pending, 'declined');
        await recordAudit(scope, { action: 'waitlist.entry_removed', entityType: 'waitlist_entry', entityId: id, changes: ['status'], metadata: { from: current.status } });
        return row;
      });
    },
  };
}

export type WaitlistService = ReturnType<typeof createWaitlistService>;
