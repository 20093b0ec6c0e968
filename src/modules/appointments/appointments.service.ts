// The appointments module owns bookings: booking and moving without collisions, the lifecycle (cancel, complete, no-show) and the patient's notifications of them.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../infra/db/client.ts';
import { withTenantRead, type ReadRouting } from '../../infra/db/replica.ts';
import type { MemberRole } from '../../infra/db/schema/members.ts';
import { withTenant, type TenantScope } from '../../infra/db/tenant.ts';
import { enqueue } from '../../infra/queue/outbox.ts';
import { decodeTimeCursor, pageOf } from '../../shared/cursor.ts';
import { DomainError, forbidden, notFound, validation } from '../../shared/errors.ts';
import { parseInstant } from '../../shared/instant.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import { findHospital } from '../hospitals/hospitals.repo.ts';
import { idempotent, type IdempotentRequest, type IdempotentResult } from '../idempotency/idempotency.ts';
import { assertBelowLimit, assertSubscriptionActive } from '../subscriptions/plan-policy.ts';
import { lockSubscriptionLimits } from '../subscriptions/subscriptions.repo.ts';
import { bookedMessages, cancelledMessages, reminderMessages, rescheduledMessages } from './appointment-events.ts';
import {
  findAppointment,
  insertWithinPlan,
  listAppointments,
  loadBookingContext,
  moveWithinPlan,
  planRefusal,
  updateAppointment,
  type AppointmentRow,
  type BookingContext,
  type PlanRules,
} from './appointments.repo.ts';
import {
  MAX_DURATION_MINUTES,
  type AppointmentView,
  type CancelInput,
  type CreateAppointmentInput,
  type ListAppointmentsInput,
  type RescheduleInput,
} from './appointments.schemas.ts';
import { appointmentView } from './appointments.views.ts';
import {
  addLocalDays,
  assertBookingWindow,
  assertWithinSchedule,
  localMonth,
  scheduleWindow,
  startOfLocalDate,
} from './booking-rules.ts';
import { bufferError, exclusionError, overlapError, retryOnDeadlock } from './booking-conflicts.ts';
import { assertStarted, transition } from './lifecycle.ts';

const MINUTE_MS = 60_000;

/** Who is acting: services know the role for the object-level rule (a doctor acts on their own appointments only). */
export interface AppointmentActor extends Actor {
  hospitalId: string;
  role: MemberRole;
  doctorId: string | null;
}

export interface AppointmentServiceDeps {
  db: Db;
  /** The list reads the replica when there is one; everything a booking checks stays on `db`. */
  reads: ReadRouting;
  /** How long an Idempotency-Key replays (IDEMPOTENCY_TTL_HOURS). */
  idempotencyTtlMs: number;
  now?: () => Date;
}

/** A booking context whose doctor exists. */
type ReadyContext = BookingContext & { doctor: NonNullable<BookingContext['doctor']> };

type Scope = TenantScope<AppointmentActor>;


export interface BookingOptions {
  /** The series this booking is an occurrence of. */
  seriesId?: string;
  /** false: the caller sends one confirmation of its own (a series); the reminders are queued all the same. */
  confirmation?: boolean;
}

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

export function createAppointmentService({ db, reads, idempotencyTtlMs, now = () => new Date() }: AppointmentServiceDeps) {
  /** A doctor may only act on their own appointments; others see 404 for them (no existence leak). */
  function visibleTo(actor: AppointmentActor, row: AppointmentRow | null): AppointmentRow {
    if (!row) throw notFound('Appointment');
    if (actor.role === 'doctor' && row.doctorId !== actor.doctorId) throw notFound('Appointment');
    return row;
  }

  /**
   * The context of a booking or a move, read in one round trip before any
   * lock; 404 for a doctor or patient this hospital does not have.
   */
  async function contextFor(
    scope: Scope,
    ids: { doctorId: string; patientId: string },
    slot: { start: Date; durationMinutes?: number; excludeId?: string },
  ): Promise<ReadyContext> {
    const window = scheduleWindow(slot.start, new Date(slot.start.getTime() + MAX_DURATION_MINUTES * MINUTE_MS));
    const ctx = await loadBookingContext(scope, ids, window, slot);
    if (!ctx) throw notFound('Hospital');
    if (!ctx.doctor) throw notFound('Doctor');
    if (!ctx.patientFound) throw notFound('Patient');
    return ctx as ReadyContext;
  }

  /** Doctor active, timing against now and the hospital's window, weekly hours and time off: everything that needs no lock. */
  function assertBookable(ctx: ReadyContext, start: Date, end: Date, at: Date): void {
    if (!ctx.doctor.active) {
      throw new DomainError('DOCTOR_INACTIVE', 'The doctor is deactivated and takes no appointments', { doctorId: ctx.doctor.id });
    }
    assertBookingWindow(start, at, ctx.hospital);
    assertWithinSchedule(ctx.weekly, ctx.timeOff, ctx.hospital.timezone, start, end);
    // A visibly taken slot is refused here, without queueing for the lock (contested slots stay cheap).
    if (ctx.busy === 'doctor') throw overlapError('doctor');
    if (ctx.busy === 'patient') throw overlapError('patient');
  }

  /**
   * The critical section of every booking write, book and reschedule alike.
   * Locks the hospital's subscription row — every booking write of the
   * hospital takes this lock, so "count, compare, write" and the buffer check
   * run one at a time per hospital — checks the plan is active when the write
   * needs it, then makes the write ONE conditional statement: it changes the
   * row only if the month has room (`countMonth`) and the doctor's buffer is
   * clear, while the exclusion constraints judge overlaps. A refused write
   * costs one more read, to say which rule refused it. The caller commits
   * right after, releasing the lock.
   */
  async function writeWithinPlan<T>(
    scope: Scope,
    ctx: ReadyContext,
    slot: { start: Date; end: Date },
    at: Date,
    opts: { countMonth: boolean; requireActive: boolean; excludeId?: string },
    write: (rules: PlanRules) => Promise<T | null>,
  ): Promise<T> {
    const subscription = await lockSubscriptionLimits(scope);
    if (opts.requireActive) assertSubscriptionActive(subscription, at);
    const rules: PlanRules = {
      month: opts.countMonth ? { ...localMonth(slot.start, ctx.hospital.timezone), limit: subscription!.plan.maxAppointmentsPerMonth } : undefined,
      buffer: { doctorId: ctx.doctor.id, start: slot.start, end: slot.end, minutes: ctx.doctor.bufferMinutes },
      excludeId: opts.excludeId,
    };
    const written = await write(rules);
    if (written !== null) return written;
    const { used, nearId } = await planRefusal(scope, rules);
    if (rules.month) assertBelowLimit('maxAppointmentsPerMonth', subscription!, used ?? 0, 'appointments per month');
    if (nearId) throw bufferError(ctx.doctor.bufferMinutes);
    throw new DomainError('CONFLICT', 'The appointment could not be written; try again');
  }

  /**
   * Books ONE appointment inside the caller's tenant transaction, in two
   * steps. `stageBooking` does everything before the critical section: the
   * context, the checks that need no lock, the reminder messages (and the
   * confirmation unless the caller sends its own, as a series does), and the
   * audit event (the id is ours to choose). It returns the row as it will be
   * (created_at = the transaction's now()), so POST /v1/appointments can
   * store its view with an Idempotency-Key before the lock is taken, and
   * `write`, the critical section itself. `bookWithin` runs both: the path of
   * every caller that books inside a transaction of its own (a series).
   */
  async function stageBooking(scope: Scope, input: CreateAppointmentInput, start: Date, opts: BookingOptions = {}) {
    const at = now();
    const ctx = await contextFor(scope, input, { start, durationMinutes: input.durationMinutes });
    // 402 before any schedule detail: an inactive plan books nothing (re-checked under the lock).
    assertSubscriptionActive(ctx.subscription, at);
    const end = new Date(start.getTime() + (input.durationMinutes ?? ctx.doctor.slotMinutes) * MINUTE_MS);
    assertBookable(ctx, start, end, at);
    const row: AppointmentRow = {
      id: randomUUID(),
      hospitalId: scope.hospitalId,
      doctorId: input.doctorId,
      patientId: input.patientId,
      startsAt: start,
      endsAt: end,
      status: 'scheduled',
      reason: input.reason ?? null,
      cancelReason: null,
      createdBy: scope.actor.userId,
      version: 1,
      seriesId: opts.seriesId ?? null,
      createdAt: ctx.txNow,
      updatedAt: ctx.txNow,
    };
    const offsets = ctx.hospital.reminderOffsetsMinutes;
    await enqueue(scope.tx, opts.confirmation === false ? reminderMessages(row, offsets, at) : bookedMessages(row, offsets, at));
    await recordAudit(scope, {
      action: 'appointment.booked',
      entityType: 'appointment',
      entityId: row.id,
      changes: ['doctorId', 'patientId', 'start', 'end', ...(input.reason ? ['reason'] : []), ...(opts.seriesId ? ['seriesId'] : [])],
      metadata: {
        doctorId: input.doctorId,
        patientId: input.patientId,
        start: start.toISOString(),
        end: end.toISOString(),
        ...(opts.seriesId ? { seriesId: opts.seriesId } : {}),
      },
    });
    const write = () =>
      writeWithinPlan(scope, ctx, { start: row.startsAt, end: row.endsAt }, at, { countMonth: true, requireActive: true }, async (rules) =>
        (await insertWithinPlan(scope, row, rules)) ? row : null,
      );
    return { row, write };
  }

  async function bookWithin(scope: Scope, input: CreateAppointmentInput, opts: BookingOptions = {}): Promise<AppointmentRow> {
    return (await stageBooking(scope, input, parseInstant(input.start, 'start'), opts)).write();
  }

  /** Cancels one live appointment inside the caller's transaction: the row, the patient's notice (unless the caller sends its own) and the audit event. */
  async function cancelWithin(scope: Scope, current: AppointmentRow, reason: string | null, opts: { notify?: boolean } = {}): Promise<AppointmentRow> {
    const status = transition(current.status, 'cancel');
    const row = (await updateAppointment(scope, current.id, { status, cancelReason: reason }))!;
    if (opts.notify !== false) await enqueue(scope.tx, cancelledMessages(row));
    await recordAudit(scope, {
      action: 'appointment.cancelled',
      entityType: 'appointment',
      entityId: current.id,
      changes: ['status', ...(reason ? ['cancelReason'] : [])],
      metadata: { from: current.status, to: status, ...(current.seriesId ? { seriesId: current.seriesId } : {}) },
    });
    return row;
  }

  /** Runs a booking write (retried on deadlock) and maps the exclusion constraints' 23P01 to 409s. */
  async function bookingWrite<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await retryOnDeadlock(work);
    } catch (err) {
      throw exclusionError(err) ?? err;
    }
  }

  /** complete / no-show: only from scheduled, only once the visit has started. */
  async function finish(actor: AppointmentActor, id: string, action: 'complete' | 'no_show'): Promise<AppointmentRow> {
    return withTenant(db, actor, async (scope) => {
      const current = visibleTo(actor, await findAppointment(scope, id, { lock: 'update' }));
      const status = transition(current.status, action);
      assertStarted(action, current.startsAt, now());
      const row = (await updateAppointment(scope, id, { status }))!;
      await recordAudit(scope, {
        action: action === 'complete' ? 'appointment.completed' : 'appointment.no_show',
        entityType: 'appointment',
        entityId: id,
        changes: ['status'],
        metadata: { from: current.status, to: status },
      });
      return row;
    });
  }

  return {
    bookWithin,
    cancelWithin,
    bookingWrite,

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
      const start = parseInstant(input.start, 'start');
      if (actor.role === 'doctor' && input.doctorId !== actor.doctorId) {
        throw forbidden('A doctor can only book appointments for themselves');
      }
      return bookingWrite(() =>
        withTenant(db, actor, async (scope) => {
          let write: (() => Promise<AppointmentRow>) | undefined;
          const result = await idempotent(scope, opts.idempotency, idempotencyTtlMs, async () => {
            const staged = await stageBooking(scope, input, start);
            write = staged.write;
            return { status: 201 as const, view: appointmentView(staged.row) };
          });
          // Critical section last, after the result is stored: the lock is held for the insert and the commit only.
          if (write) await write();
          return result;
        }),
      );
    },

    async get(actor: AppointmentActor, id: string): Promise<AppointmentRow> {
      return withTenant(db, actor, async (scope) => visibleTo(actor, await findAppointment(scope, id)));
    },

    async list(actor: AppointmentActor, query: ListAppointmentsInput) {
      if (actor.role === 'doctor' && query.doctorId && query.doctorId !== actor.doctorId) {
        throw forbidden('A doctor can only list their own appointments');
      }
      const after = decodeTimeCursor(query.cursor);
      return withTenantRead(reads, actor, actor.hospitalId, async (scope) => {
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
        return pageOf(rows, query.limit, (row) => row.startsAt.toISOString());
      });
    },

    async cancel(actor: AppointmentActor, id: string, input: CancelInput): Promise<AppointmentRow> {
      return withTenant(db, actor, async (scope) =>
        cancelWithin(scope, visibleTo(actor, await findAppointment(scope, id, { lock: 'update' })), input.reason ?? null),
      );
    },

    complete: (actor: AppointmentActor, id: string) => finish(actor, id, 'complete'),

    noShow: (actor: AppointmentActor, id: string) => finish(actor, id, 'no_show'),

    /**
     * Moves an appointment by updating its own row in one transaction: the
     * exclusion constraints judge the new time against every other live
     * appointment, and if it is taken the statement fails, the transaction
     * rolls back and the appointment keeps its old time (never freed first).
     */
    async reschedule(actor: AppointmentActor, id: string, input: RescheduleInput): Promise<AppointmentRow> {
      const start = parseInstant(input.start, 'start');
      return bookingWrite(() =>
        withTenant(db, actor, async (scope) => {
          const at = now();
          const current = visibleTo(actor, await findAppointment(scope, id, { lock: 'update' }));
          transition(current.status, 'reschedule');
          const durationMinutes = input.durationMinutes ?? Math.round((current.endsAt.getTime() - current.startsAt.getTime()) / MINUTE_MS);
          const end = new Date(start.getTime() + durationMinutes * MINUTE_MS);
          const ctx = await contextFor(scope, current, { start, durationMinutes, excludeId: id });
          assertBookable(ctx, start, end, at);

          const moved = { id, hospitalId: actor.hospitalId, version: current.version + 1, startsAt: start, endsAt: end };
          await enqueue(scope.tx, rescheduledMessages(current, moved, ctx.hospital.reminderOffsetsMinutes, at));
          await recordAudit(scope, {
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
          });
          // Moving is not a new booking (an inactive plan may still move one), but a move into another
          // local month must fit that month's limit; the appointment itself is not counted twice.
          // The same row changes: the exclusion constraints compare the new time with every other live appointment.
          const otherMonth = localMonth(start, ctx.hospital.timezone).from.getTime() !== localMonth(current.startsAt, ctx.hospital.timezone).from.getTime();
          return writeWithinPlan(scope, ctx, { start, end }, at, { countMonth: otherMonth, requireActive: otherMonth, excludeId: id }, (rules) =>
            moveWithinPlan(scope, id, { startsAt: start, endsAt: end }, rules),
          );
        }),
      );
    },
  };
}

export type AppointmentService = ReturnType<typeof createAppointmentService>;
