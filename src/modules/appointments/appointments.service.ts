// The appointments module owns bookings: booking and moving without collisions, the lifecycle (cancel, complete, no-show) and the patient's notifications of them.
import type { Db } from '../../infra/db/client.ts';
import type { MemberRole } from '../../infra/db/schema/members.ts';
import { withTenant, type TenantScope } from '../../infra/db/tenant.ts';
import { withWrites } from '../../infra/db/batch.ts';
import { enqueue, outboxInsert } from '../../infra/queue/outbox.ts';
import { decodeTimeCursor, pageOf } from '../../shared/cursor.ts';
import { forbidden, notFound, validation } from '../../shared/errors.ts';
import { parseInstant } from '../../shared/instant.ts';
import { recordAccess } from '../access-log/access-log.repo.ts';
import { auditInsert, patientActor, recordAudit, type Actor, type PatientActor } from '../audit/audit.repo.ts';
import { findHospital } from '../hospitals/hospitals.repo.ts';
import { idempotent, type IdempotentRequest, type IdempotentResult } from '../idempotency/idempotency.ts';
import { emitWebhookEvent, emitWebhookEventTo } from '../webhooks/events.ts';
import { appointmentWebhookData, cancelledMessages, rescheduledMessages } from './appointment-events.ts';
import { findAppointment, listAppointments, updateAppointment, type AppointmentRow } from './appointments.repo.ts';
import { moveWithinPlan } from './plan-guarded-writes.repo.ts';
import type { AppointmentView, CancelInput, CreateAppointmentInput, ListAppointmentsInput, RescheduleInput } from './appointments.schemas.ts';
import { appointmentView } from './appointments.views.ts';
import { blockedRange, createBookingCore, type AppointmentRecord, type Scope } from './booking-core.ts';
import { assignResources, bookingWrite, exclusionError } from './booking-conflicts.ts';
import { addLocalDays, localMonth, startOfLocalDate } from './booking-rules.ts';
import { assertStarted, transition } from './lifecycle.ts';
import { slotFreedMessage } from '../waitlist/waitlist-events.ts';
import { dropResourceBookings, resourcesOf } from './resource-bookings.repo.ts';

const MINUTE_MS = 60_000;

/** Who is acting: services know the role for the object-level rule (a doctor acts on their own appointments only). */
export interface StaffAppointmentActor extends Actor {
  hospitalId: string;
  role: MemberRole;
  doctorId: string | null;
}

/** The patient acting through a self-service link: only on their own appointments. */
export interface PatientAppointmentActor extends PatientActor {
  role: 'patient';
  doctorId: null;
}

/** A visitor on the public booking pages (placing a hold, giving a contact): nobody signed in, no patient yet. */
export interface VisitorAppointmentActor {
  kind?: 'user';
  userId: null;
  requestId: string;
  hospitalId: string;
  role: 'visitor';
  doctorId: null;
}

export type AppointmentActor = StaffAppointmentActor | PatientAppointmentActor | VisitorAppointmentActor;

export const patientAppointmentActor = (hospitalId: string, patientId: string, requestId: string): PatientAppointmentActor => ({
  ...patientActor(hospitalId, patientId, requestId),
  role: 'patient',
  doctorId: null,
});

/**
 * A caller's own rule on the appointment as it is, judged on the row locked
 * inside the transaction that changes it (so no concurrent move slips between
 * the check and the change): the manage link's notice. Throws to refuse.
 */
export type ChangeGuard = (scope: TenantScope, current: AppointmentRow) => Promise<void> | void;

export interface AppointmentServiceDeps {
  db: Db;
  /** How long an Idempotency-Key replays (IDEMPOTENCY_TTL_HOURS). */
  idempotencyTtlMs: number;
  now?: () => Date;
}

export { exclusionError };

/** The resources of the appointments that can hold any (those of a visit type): one query, none when no row has a type. */
export async function withResources(scope: TenantScope, rows: AppointmentRow[]): Promise<AppointmentRecord[]> {
  const held = await resourcesOf(scope, rows.filter((r) => r.visitTypeId).map((r) => r.id));
  return rows.map((row) => ({ ...row, resources: held.get(row.id) ?? [] }));
}

/** The slot an appointment frees when it is cancelled or moved away. */
const slotOf = (row: AppointmentRow) => ({ doctorId: row.doctorId, visitTypeId: row.visitTypeId, start: row.startsAt, end: row.endsAt });

const withResourcesOf = async (scope: TenantScope, row: AppointmentRow) => (await withResources(scope, [row]))[0]!;

/** A list bound: an instant, or a local date in the hospital's zone (`to` as a date means the end of that day). */
function parseBound(value: string, field: 'from' | 'to', zone: string): Date {
  const bad = () =>
    validation(`Invalid querystring: ${field} must be an ISO 8601 instant with offset or a date YYYY-MM-DD`, {
      fields: [{ field, in: 'querystring', message: 'must be an ISO 8601 instant with offset or a date YYYY-MM-DD' }],
    });
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    try {
      return startOfLocalDate(field === 'to' ? addLocalDays(value, 1) : value, zone);
    } catch {
      throw bad();
    }
  }
  try {
    return parseInstant(value, field, 'querystring');
  } catch {
    throw bad();
  }
}

export function createAppointmentService({ db, idempotencyTtlMs, now = () => new Date() }: AppointmentServiceDeps) {
  const core = createBookingCore({ now });

  /** A doctor may only act on their own appointments, a patient on theirs; others see 404 for them (no existence leak). */
  function visibleTo(actor: AppointmentActor, row: AppointmentRow | null): AppointmentRow {
    if (!row) throw notFound('Appointment');
    if (actor.role === 'doctor' && row.doctorId !== actor.doctorId) throw notFound('Appointment');
    if (actor.role === 'patient' && row.patientId !== actor.patientId) throw notFound('Appointment');
    return row;
  }

  /** Cancels one live appointment inside the caller's transaction: the row, the patient's notice (unless the caller sends its own) and the audit event. */
  async function cancelWithin(scope: Scope, current: AppointmentRow, reason: string | null, opts: { notify?: boolean } = {}): Promise<AppointmentRow> {
    const status = transition(current.status, 'cancel');
    const row = (await updateAppointment(scope, current.id, { status, cancelReason: reason }))!;
    if (opts.notify !== false) await enqueue(scope.tx, cancelledMessages(row));
    // Every freed slot goes to the waitlist, a series' occurrences too (they send one summary instead of notices).
    await enqueue(scope.tx, slotFreedMessage(scope.hospitalId, slotOf(current)));
    await emitWebhookEvent(scope, 'appointment.cancelled', appointmentWebhookData(row));
    await recordAudit(scope, {
      action: 'appointment.cancelled',
      entityType: 'appointment',
      entityId: current.id,
      changes: ['status', ...(reason ? ['cancelReason'] : [])],
      metadata: { from: current.status, to: status, ...(current.seriesId ? { seriesId: current.seriesId } : {}) },
    });
    return row;
  }

  /** complete / no-show: only from scheduled, only once the visit has started. */
  async function finish(actor: AppointmentActor, id: string, action: 'complete' | 'no_show'): Promise<AppointmentRecord> {
    return withTenant(db, actor, async (scope) => {
      const current = visibleTo(actor, await findAppointment(scope, id, { lock: 'update' }));
      const status = transition(current.status, action);
      assertStarted(action, current.startsAt, now());
      const row = (await updateAppointment(scope, id, { status }))!;
      await emitWebhookEvent(scope, action === 'complete' ? 'appointment.completed' : 'appointment.no_show', appointmentWebhookData(row));
      await recordAudit(scope, {
        action: action === 'complete' ? 'appointment.completed' : 'appointment.no_show',
        entityType: 'appointment',
        entityId: id,
        changes: ['status'],
        metadata: { from: current.status, to: status },
      });
      return withResourcesOf(scope, row);
    });
  }

  /**
   * Moves an appointment by updating its own row in the caller's transaction:
   * the exclusion constraints judge the new time against every other live
   * appointment, and if it is taken the statement fails, the transaction
   * rolls back and the appointment keeps its old time (never freed first).
   * The old time goes to the waitlist (slotFreedMessage) when the move commits.
   */
  async function rescheduleWithin(scope: Scope, current: AppointmentRow, start: Date, durationMinutesInput?: number): Promise<AppointmentRecord> {
    const id = current.id;
    const when = now();
    transition(current.status, 'reschedule');
    const durationMinutes = durationMinutesInput ?? Math.round((current.endsAt.getTime() - current.startsAt.getTime()) / MINUTE_MS);
    const end = new Date(start.getTime() + durationMinutes * MINUTE_MS);
    const ctx = await core.contextFor(scope, current, { start, durationMinutes, excludeId: id }, 'appointment.rescheduled');
    // The buffers it was booked with move with it; the resources its visit type needs are taken again for the new time.
    const target = { startsAt: start, endsAt: end, bufferBeforeMinutes: current.bufferBeforeMinutes, bufferAfterMinutes: current.bufferAfterMinutes };
    core.assertBookable(ctx, target, when);

    const moved = { id, hospitalId: scope.hospitalId, version: current.version + 1, startsAt: start, endsAt: end };
    // The messages and the audit event in one statement; the webhook endpoints came with the context.
    const messages = outboxInsert(scope.tx, [...rescheduledMessages(current, moved, ctx.hospital.reminderOffsetsMinutes, when), slotFreedMessage(scope.hospitalId, slotOf(current))]);
    await emitWebhookEventTo(scope, ctx.webhookEndpointIds, 'appointment.rescheduled', appointmentWebhookData({ ...current, ...moved }), when);
    const audit = auditInsert(scope, {
      action: 'appointment.rescheduled',
      entityType: 'appointment',
      entityId: id,
      changes: ['start', 'end'],
      metadata: {
        previousStart: current.startsAt.toISOString(),
        previousEnd: current.endsAt.toISOString(),
        start: start.toISOString(),
        end: end.toISOString(),
      },
    })!;
    await scope.tx.execute(withWrites([messages.statement!], audit));
    // Moving is not a new booking (an inactive plan may still move one), but a move into another
    // local month must fit that month's limit; the appointment itself is not counted twice.
    // The same row changes: the exclusion constraints compare the new time with every other live appointment.
    const otherMonth = localMonth(start, ctx.hospital.timezone).from.getTime() !== localMonth(current.startsAt, ctx.hospital.timezone).from.getTime();
    return core.writeWithinPlan(scope, ctx, target, when, { countMonth: otherMonth, requireActive: otherMonth, excludeId: id }, async (rules) => {
      const row = await moveWithinPlan(scope, id, { startsAt: start, endsAt: end }, rules);
      if (!row) return null;
      const requires = ctx.visitType?.requires ?? [];
      // Its old resources are given back and preferred again, so a move keeps its room when the room is free.
      const previous = requires.length ? await dropResourceBookings(scope, id) : [];
      const resources = await assignResources(scope, { appointmentId: id, ...blockedRange(row), requires, prefer: previous });
      return { ...row, resources };
    });
  }

  return {
    /**
     * Books one appointment. One transaction holds the Idempotency-Key claim,
     * the checks, the confirmation and reminder messages, the audit event, the
     * stored result and the insert (the exclusion constraints decide
     * overlaps): either all of it happens or none of it. Answers the view of
     * the new appointment (201), or the stored one when the key replays.
     */
    async book(
      actor: AppointmentActor,
      input: CreateAppointmentInput,
      opts: { idempotency?: IdempotentRequest } = {},
    ): Promise<IdempotentResult<AppointmentView, 201> & { replayed: boolean }> {
      parseInstant(input.start, 'start');
      if (actor.role === 'doctor' && input.doctorId !== actor.doctorId) {
        throw forbidden('A doctor can only book appointments for themselves');
      }
      // The stored result names the resources, which are chosen under the lock: the key's
      // result is saved after the critical section, one statement more while the lock is held.
      return bookingWrite(() =>
        withTenant(db, actor, (scope) =>
          idempotent(scope, opts.idempotency, idempotencyTtlMs, async () => ({ status: 201 as const, view: appointmentView(await core.bookWithin(scope, input)) })),
        ),
      );
    },

    /** Books one appointment inside the caller's transaction (see booking-core.ts); for series of appointments. */
    bookWithin: core.bookWithin,

    async get(actor: AppointmentActor, id: string): Promise<AppointmentRecord> {
      return withTenant(db, actor, async (scope) => {
        const row = visibleTo(actor, await findAppointment(scope, id));
        await recordAccess(scope, 'appointment.read', [row.patientId]);
        return withResourcesOf(scope, row);
      });
    },

    async list(actor: AppointmentActor, query: ListAppointmentsInput) {
      if (actor.role === 'doctor' && query.doctorId && query.doctorId !== actor.doctorId) {
        throw forbidden('A doctor can only list their own appointments');
      }
      const after = decodeTimeCursor(query.cursor);
      // On the primary, not the replica: the page's access events are written in the same transaction (docs/privacy.md).
      return withTenant(db, actor, async (scope) => {
        const hospital = await findHospital(scope);
        if (!hospital) throw notFound('Hospital');
        const from = query.from ? parseBound(query.from, 'from', hospital.timezone) : undefined;
        const to = query.to ? parseBound(query.to, 'to', hospital.timezone) : undefined;
        if (from && to && from.getTime() >= to.getTime()) {
          throw validation('Invalid querystring: from must be before to', { fields: [{ field: 'from', in: 'querystring', message: 'must be before to' }] });
        }
        if (actor.role === 'doctor' && !actor.doctorId) return { items: [], nextCursor: null };
        const doctorId = actor.role === 'doctor' ? actor.doctorId! : query.doctorId;
        const rows = await listAppointments(scope, { doctorId, patientId: query.patientId, status: query.status, from, to }, after, query.limit);
        const result = pageOf(await withResources(scope, rows), query.limit, (row) => row.startsAt.toISOString());
        await recordAccess(scope, 'appointment.list', result.items.map((row) => row.patientId));
        return result;
      });
    },

    /** Cancelling frees the resources too (trigger appointments_free_resources: their bookings stop being live). */
    async cancel(actor: AppointmentActor, id: string, input: CancelInput, guard?: ChangeGuard): Promise<AppointmentRecord> {
      return withTenant(db, actor, async (scope) => {
        const current = visibleTo(actor, await findAppointment(scope, id, { lock: 'update' }));
        await guard?.(scope, current);
        return withResourcesOf(scope, await cancelWithin(scope, current, input.reason ?? null));
      });
    },

    /** Cancels one appointment inside the caller's transaction; for series (which send one summary: `notify: false`). */
    cancelWithin,

    complete: (actor: AppointmentActor, id: string) => finish(actor, id, 'complete'),

    noShow: (actor: AppointmentActor, id: string) => finish(actor, id, 'no_show'),

    /**
     * Moves an appointment by updating its own row in one transaction: the
     * exclusion constraints judge the new time against every other live
     * appointment, and if it is taken the statement fails, the transaction
     * rolls back and the appointment keeps its old time (never freed first).
     */
    async reschedule(actor: AppointmentActor, id: string, input: RescheduleInput, guard?: ChangeGuard): Promise<AppointmentRecord> {
      const start = parseInstant(input.start, 'start');
      return bookingWrite(() =>
        withTenant(db, actor, async (scope) => {
          const current = visibleTo(actor, await findAppointment(scope, id, { lock: 'update' }));
          await guard?.(scope, current);
          return rescheduleWithin(scope, current, start, input.durationMinutes);
        }),
      );
    },

    /** Moves one appointment (locked by the caller) inside the caller's transaction; for a waitlist offer accepted by moving the patient's later visit. */
    rescheduleWithin,
  };
}

export type AppointmentService = ReturnType<typeof createAppointmentService>;
