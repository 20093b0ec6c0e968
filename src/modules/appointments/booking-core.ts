import { randomUUID } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import { runBatch, withWrites } from '../../infra/db/batch.ts';
import { assertNamedResources, assignResources, bookingWrite, exclusionError, overlapError, resourceUnavailable } from './booking-conflicts.ts';
import type { RawResult } from '../../infra/db/parsers.ts';
import { TenantScope } from '../../infra/db/tenant.ts';
import { outboxInsert } from '../../infra/queue/outbox.ts';
import { DomainError, notFound, validation } from '../../shared/errors.ts';
import { parseInstant } from '../../shared/instant.ts';
import { auditInsert, type AuditEntry } from '../audit/audit.repo.ts';
import { assertBelowLimit, assertSubscriptionActive } from '../subscriptions/plan-policy.ts';
import { lockSubscriptionLimitsSql, subscriptionLimitsOf, type SubscriptionLimits } from '../subscriptions/subscriptions.repo.ts';
import { emitWebhookEventTo, type WebhookEventType } from '../webhooks/events.ts';
import { appointmentWebhookData, bookedMessages, reminderMessages } from './appointment-events.ts';
import { loadBookingContext, sweepExpiredHoldsSql, type AppointmentRow, type BookingContext } from './appointments.repo.ts';
import { convertHeldWithinPlan, insertWithinPlanSql, planRefusal, type PlanRules } from './plan-guarded-writes.repo.ts';
import { MAX_DURATION_MINUTES, type CreateAppointmentInput } from './appointments.schemas.ts';
import type { AppointmentActor } from './appointments.service.ts';
import { assertBookingWindow, assertNoAbsence, assertWithinSchedule, localMonth, scheduleWindow } from './booking-rules.ts';
import { resourcesOf, type ResourceRef } from './resource-bookings.repo.ts';
import type { HoldKind } from '../../infra/db/schema/holds.ts';

/**
 * The booking core: one appointment taken inside a tenant transaction the
 * caller owns — the context read, the checks that need no lock, the messages
 * and audit event, and the critical section that writes the appointment and
 * takes its resources. `book` and `reschedule` (appointments.service.ts),
 * series (which books each occurrence in a savepoint) and holds
 * (src/modules/holds: a slot taken before it has a patient, then converted)
 * all go through here.
 */

const MINUTE_MS = 60_000;

export type Scope = TenantScope<AppointmentActor>;
/** A booking context whose doctor exists. */
export type ReadyContext = BookingContext & { doctor: NonNullable<BookingContext['doctor']> };
/** An appointment with the resources it holds (held, once cancelled). */
export type AppointmentRecord = AppointmentRow & { resources: ResourceRef[] };
/** A booking's input, where a hold has no patient yet. */
export type BookingInput = Omit<CreateAppointmentInput, 'patientId'> & { patientId: string | null };
/** A hold as written: the slot's row (status `held`, no patient) and its resources. */
export type HeldSlot = Omit<AppointmentRecord, 'patientId' | 'status'> & { patientId: null; status: 'held'; holdExpiresAt: Date };

/** How a caller booking inside its own transaction wants the booking made (a series, per occurrence). */
/** What makes a booking a hold: until when it takes the slot, and why it exists. */
export interface HoldOptions {
  expiresAt: Date;
  kind: HoldKind;
}

export interface BookingOptions {
  /** The series this booking is an occurrence of. */
  seriesId?: string;
  /** false: the caller sends one confirmation of its own (a series); the reminders are queued all the same. */
  confirmation?: boolean;
}

const at = (d: Date, minutes: number) => new Date(d.getTime() + minutes * MINUTE_MS);

/** [start - before, end + after): what an appointment blocks for its doctor's buffers and its resources. */
export const blockedRange = (row: Pick<AppointmentRow, 'startsAt' | 'endsAt' | 'bufferBeforeMinutes' | 'bufferAfterMinutes'>) => ({
  from: at(row.startsAt, -row.bufferBeforeMinutes),
  to: at(row.endsAt, row.bufferAfterMinutes),
});

/** The audit event of a new booking (names of what was set, ids and times; never clinical text). */
function bookedAudit(row: AppointmentRow, type: ReadyContext['visitType'], opts: BookingOptions & { fromHold?: boolean }): AuditEntry {
  return {
    action: 'appointment.booked',
    entityType: 'appointment',
    entityId: row.id,
    changes: [
      ...(opts.fromHold ? ['status'] : []),
      'doctorId',
      'patientId',
      'start',
      'end',
      ...(row.reason ? ['reason'] : []),
      ...(type ? ['visitTypeId', 'resources'] : []),
      ...(opts.seriesId ? ['seriesId'] : []),
    ],
    metadata: {
      doctorId: row.doctorId,
      patientId: row.patientId,
      start: row.startsAt.toISOString(),
      end: row.endsAt.toISOString(),
      ...(type ? { visitTypeId: type.id } : {}),
      ...(opts.seriesId ? { seriesId: opts.seriesId } : {}),
      ...(opts.fromHold ? { fromHold: true } : {}),
    },
  };
}

/**
 * The write of the critical section: a function run after the lock has been
 * read, or (a booking's insert) a statement sent in the same round trip as
 * the lock, and what to make of its result (null: refused by the plan's rules).
 */
export type PlanWrite<T> =
  | ((rules: PlanRules) => Promise<T | null>)
  | { statement: (rules: PlanRules) => SQL; then: (result: RawResult) => Promise<T | null> };

export function createBookingCore({ now }: { now: () => Date }) {
  /** The context of a booking or a move, read in one round trip before any lock; 404 for a doctor, patient or visit type this hospital does not have. */
  async function contextFor(
    scope: Scope,
    ids: { doctorId: string; patientId: string | null; visitTypeId?: string | null },
    slot: { start: Date; durationMinutes?: number; excludeId?: string },
    /** The webhook event the write will emit: its subscribed endpoints are read along (ctx.webhookEndpointIds). */
    event: WebhookEventType = 'appointment.booked',
  ): Promise<ReadyContext> {
    const window = scheduleWindow(slot.start, at(slot.start, MAX_DURATION_MINUTES));
    const ctx = await loadBookingContext(scope, ids, window, slot, event);
    if (!ctx) throw notFound('Hospital');
    if (!ctx.doctor) throw notFound('Doctor');
    if (!ctx.patientFound) throw notFound('Patient');
    if (ids.visitTypeId && !ctx.visitType) throw notFound('Visit type');
    return ctx as ReadyContext;
  }

  /** Doctor active, timing against now and the hospital's window, closures, weekly hours and time off: everything that needs no lock. */
  function assertBookable(ctx: ReadyContext, row: Pick<AppointmentRow, 'startsAt' | 'endsAt' | 'bufferBeforeMinutes' | 'bufferAfterMinutes'>, when: Date): void {
    if (!ctx.doctor.active) {
      throw new DomainError('DOCTOR_INACTIVE', 'The doctor is deactivated and takes no appointments', { doctorId: ctx.doctor.id });
    }
    assertBookingWindow(row.startsAt, when, ctx.hospital);
    const blocked = blockedRange(row);
    assertNoAbsence(ctx.closures, [], blocked.from, blocked.to);
    assertWithinSchedule(ctx.weekly, ctx.timeOff, ctx.hospital.timezone, row.startsAt, row.endsAt);
    assertNoAbsence([], ctx.timeOff, blocked.from, blocked.to);
    // A visibly taken slot is refused here, without queueing for the lock (contested slots stay cheap).
    if (ctx.busy === 'doctor') throw overlapError('doctor');
    if (ctx.busy === 'patient') throw overlapError('patient');
  }

  /**
   * The critical section of every booking write, book and reschedule alike.
   * Locks the hospital's subscription row — every booking write of the
   * hospital takes this lock, so "count, compare, write", the buffer check
   * and the choice of free resources run one at a time per hospital — checks
   * the plan is active when the write needs it, then makes the write ONE
   * conditional statement: it changes the row only if the month has room
   * (`countMonth`) and the doctor's buffers are clear, while the exclusion
   * constraints judge overlaps (of doctors, patients and resources). A
   * refused write costs one more read, to say which rule refused it. The
   * caller commits right after, releasing the lock. (A plan limit on
   * resources would be checked here, beside the monthly count.) First of all
   * it deletes the expired holds in the way (of the doctor, or of a
   * resource, over the blocked time): an expired hold never blocks a write.
   */
  async function writeWithinPlan<T>(
    scope: Scope,
    ctx: ReadyContext,
    slot: Pick<AppointmentRow, 'startsAt' | 'endsAt' | 'bufferBeforeMinutes' | 'bufferAfterMinutes'>,
    when: Date,
    opts: { countMonth: boolean; requireActive: boolean; excludeId?: string },
    write: PlanWrite<T>,
  ): Promise<T> {
    const minutes = ctx.doctor.bufferMinutes;
    const rules: PlanRules = {
      // The limit is known once the lock is read (below).
      month: opts.countMonth ? { ...localMonth(slot.startsAt, ctx.hospital.timezone), limit: 0 } : undefined,
      buffer: { doctorId: ctx.doctor.id, start: slot.startsAt, end: slot.endsAt, minutes, before: slot.bufferBeforeMinutes, after: slot.bufferAfterMinutes },
      excludeId: opts.excludeId,
    };
    // The lock, then the sweep (and a batched write), in ONE round trip: each statement's snapshot is
    // taken when it starts, after the lock is granted, exactly as when they are sent one by one.
    const lockAndSweep = [lockSubscriptionLimitsSql(scope), sweepExpiredHoldsSql(scope, ctx.doctor.id, blockedRange(slot))];
    let subscription: SubscriptionLimits | null;
    let written: T | null;
    if (typeof write === 'function') {
      const [locked] = await runBatch(scope.tx, lockAndSweep);
      subscription = subscriptionLimitsOf(locked!);
      if (opts.requireActive) assertSubscriptionActive(subscription, when);
      if (rules.month) rules.month.limit = subscription!.plan.maxAppointmentsPerMonth;
      written = await write(rules);
    } else {
      // The write cannot wait for the locked row: it reads the plan's limit and state itself (PlanRules.withLock),
      // and writes nothing when the subscription is inactive, which the check below then reports (402).
      rules.withLock = { activeAt: when };
      const [locked, , result] = await runBatch(scope.tx, [...lockAndSweep, write.statement(rules)]);
      subscription = subscriptionLimitsOf(locked!);
      if (opts.requireActive) assertSubscriptionActive(subscription, when);
      if (rules.month) rules.month.limit = subscription!.plan.maxAppointmentsPerMonth;
      written = await write.then(result!);
    }
    if (written !== null) return written;
    const { used, nearId } = await planRefusal(scope, rules);
    if (rules.month) assertBelowLimit('maxAppointmentsPerMonth', subscription!, used ?? 0, 'appointments per month');
    if (nearId) {
      const plain = slot.bufferBeforeMinutes === 0 && slot.bufferAfterMinutes === 0 && minutes > 0;
      throw new DomainError(
        'SLOT_UNAVAILABLE',
        plain ? `The doctor needs ${minutes} minutes between appointments` : "The doctor's time around that slot is taken (buffers of this or a neighbouring visit)",
        { reason: 'buffer', bufferMinutes: minutes },
      );
    }
    throw new DomainError('CONFLICT', 'The appointment could not be written; try again');
  }

  /**
   * Everything of a booking before the critical section: the context, the
   * checks that need no lock, the confirmation and reminder messages and the
   * audit event (the id is ours to choose). Returns the row as it will be
   * (created_at = the transaction's now()) and `writes`, the messages' and
   * the audit event's statements, which the insert carries (insertWithinPlanSql).
   */
  async function prepareBooking(scope: Scope, input: BookingInput, start: Date, opts: BookingOptions & { hold?: HoldOptions }) {
    const when = now();
    if (input.visitTypeId && input.durationMinutes !== undefined) {
      throw validation('Invalid body: durationMinutes comes from the visit type; leave it out', {
        fields: [{ field: 'durationMinutes', in: 'body', message: 'must be left out when visitTypeId is given' }],
      });
    }
    if (input.resourceIds && !input.visitTypeId) {
      throw validation('Invalid body: resourceIds need a visitTypeId (the type says which kinds the visit needs)', {
        fields: [{ field: 'resourceIds', in: 'body', message: 'needs visitTypeId' }],
      });
    }
    const ctx = await contextFor(scope, input, { start, durationMinutes: input.durationMinutes });
    // 402 before any schedule detail: an inactive plan books nothing (re-checked under the lock).
    assertSubscriptionActive(ctx.subscription, when);
    const type = ctx.visitType;
    if (type && !type.active) throw new DomainError('VISIT_TYPE_INACTIVE', 'The visit type is deactivated and takes no bookings', { visitTypeId: type.id });
    if (type && !type.offered) {
      throw new DomainError('VISIT_TYPE_NOT_OFFERED', 'The doctor does not offer this visit type', { visitTypeId: type.id, doctorId: input.doctorId });
    }
    const minutes = type?.durationMinutes ?? input.durationMinutes ?? ctx.doctor.slotMinutes;
    const row: Omit<AppointmentRow, 'patientId'> & { patientId: string | null } = {
      id: randomUUID(),
      hospitalId: scope.hospitalId,
      doctorId: input.doctorId,
      patientId: input.patientId,
      startsAt: start,
      endsAt: at(start, minutes),
      status: 'scheduled',
      reason: input.reason ?? null,
      visitTypeId: type?.id ?? null,
      bufferBeforeMinutes: type?.bufferBeforeMinutes ?? 0,
      bufferAfterMinutes: type?.bufferAfterMinutes ?? 0,
      cancelReason: null,
      createdBy: scope.actor.userId,
      version: 1,
      seriesId: opts.seriesId ?? null,
      createdAt: ctx.txNow,
      updatedAt: ctx.txNow,
    };
    assertBookable(ctx, row, when);
    if (input.resourceIds) await assertNamedResources(scope, input.resourceIds, type!.requires);
    if (opts.hold) {
      // A hold is no booking yet: no message, no webhook; the audit says a slot was held.
      if (opts.hold.expiresAt.getTime() <= when.getTime()) throw validation('A hold must expire in the future');
      const audit = auditInsert(scope, {
        action: 'appointment.held',
        entityType: 'appointment',
        entityId: row.id,
        changes: ['doctorId', 'start', 'end', ...(type ? ['visitTypeId', 'resources'] : [])],
        metadata: {
          doctorId: input.doctorId,
          start: row.startsAt.toISOString(),
          end: row.endsAt.toISOString(),
          expiresAt: opts.hold.expiresAt.toISOString(),
          kind: opts.hold.kind,
          ...(type ? { visitTypeId: type.id } : {}),
        },
      });
      return { row, ctx, when, requires: type?.requires ?? [], writes: audit ? [audit] : [] };
    }
    const writes = await announceBooking(scope, { ...row, patientId: input.patientId! }, ctx, when, opts);
    return { row, ctx, when, requires: type?.requires ?? [], writes };
  }

  /**
   * The confirmation (or, for a series, the reminders only), the webhook and
   * the audit event of a new booking. The messages and the audit event are
   * returned as statements for the caller to send with its write; the
   * webhook jobs (only when an endpoint subscribed: ctx.webhookEndpointIds)
   * are queued here.
   */
  async function announceBooking(scope: Scope, row: AppointmentRow, ctx: ReadyContext, when: Date, opts: BookingOptions & { fromHold?: boolean }): Promise<SQL[]> {
    const type = ctx.visitType;
    const offsets = ctx.hospital.reminderOffsetsMinutes;
    const messages = outboxInsert(scope.tx, opts.confirmation === false ? reminderMessages(row, offsets, when) : bookedMessages(row, offsets, when)).statement;
    await emitWebhookEventTo(scope, ctx.webhookEndpointIds, 'appointment.booked', appointmentWebhookData(row), when);
    const audit = auditInsert(scope, bookedAudit(row, type, opts));
    return [messages, audit].filter((w): w is SQL => w !== null);
  }

  /**
   * Books ONE appointment inside the caller's tenant transaction (stable
   * entry point: the series module calls it per occurrence inside a
   * savepoint). Throws DomainErrors for every refusal; an overlap surfaces as
   * the exclusion constraints' 23P01, which `exclusionError` maps (`book`
   * does it through `bookingWrite`).
   */
  async function bookWithin(scope: Scope, input: CreateAppointmentInput, opts: BookingOptions = {}): Promise<AppointmentRecord> {
    const { row, resources } = await takeSlot(scope, input, opts);
    return { ...row, patientId: input.patientId, resources };
  }

  /**
   * Holds ONE slot inside the caller's transaction: the very path of a
   * booking (context, schedule, time off, closures, horizon and notice,
   * buffers, the plan's state and month, the exclusion constraints, resources
   * assigned), but the row is `held`, without a patient, until `expiresAt`.
   * Nothing is sent. The caller maps 23P01 (bookingWrite).
   */
  async function holdWithin(scope: Scope, input: Omit<BookingInput, 'patientId' | 'reason'>, hold: HoldOptions): Promise<HeldSlot> {
    const { row, resources } = await takeSlot(scope, { ...input, patientId: null }, { hold });
    return { ...row, patientId: null, status: 'held', holdExpiresAt: hold.expiresAt, resources };
  }

  async function takeSlot(scope: Scope, input: BookingInput, opts: BookingOptions & { hold?: HoldOptions }) {
    const { row, ctx, when, requires, writes } = await prepareBooking(scope, input, parseInstant(input.start, 'start'), opts);
    const blocked = blockedRange(row);
    return writeWithinPlan(scope, ctx, row, when, { countMonth: true, requireActive: true }, {
      statement: (rules) => insertWithinPlanSql(scope, { ...row, ...(opts.hold ? { hold: opts.hold } : {}) }, rules, writes),
      then: async (inserted) => {
        if (inserted.rows.length !== 1) return null;
        const resources = await assignResources(scope, { appointmentId: row.id, ...blocked, requires, ...(input.resourceIds ? { only: input.resourceIds } : {}) });
        return { row, resources };
      },
    });
  }

  /**
   * Makes a live hold the patient's appointment inside the caller's
   * transaction, as a staff booking would be made: the plan's state and the
   * month's limit under the subscription lock, the patient's overlaps (the
   * exclusion constraint), then the confirmation, reminders, webhook and
   * audit event of a booking. The hold's resources stay with it. `hold` is
   * the row as read in this transaction, already known live (the caller
   * answers 410 for an expired one). Null: the hold is gone or converted
   * meanwhile (a concurrent confirm won).
   */
  async function convertWithin(scope: Scope, hold: Omit<AppointmentRow, 'patientId' | 'status'>, patientId: string): Promise<AppointmentRecord> {
    const when = now();
    const minutes = Math.round((hold.endsAt.getTime() - hold.startsAt.getTime()) / MINUTE_MS);
    const ctx = await contextFor(scope, { doctorId: hold.doctorId, patientId, visitTypeId: hold.visitTypeId }, { start: hold.startsAt, durationMinutes: minutes, excludeId: hold.id });
    assertSubscriptionActive(ctx.subscription, when);
    if (ctx.busy === 'patient') throw overlapError('patient');
    const row: AppointmentRow = { ...hold, patientId, status: 'scheduled', version: hold.version + 1 };
    const writes = await announceBooking(scope, row, ctx, when, { fromHold: true });
    if (writes.length) await scope.tx.execute(withWrites(writes.slice(0, -1), writes[writes.length - 1]!));
    return writeWithinPlan(scope, ctx, row, when, { countMonth: true, requireActive: true, excludeId: hold.id }, async (rules) => {
      const converted = await convertHeldWithinPlan(scope, hold.id, patientId, rules);
      if (!converted) return null;
      const resources = (await resourcesOf(scope, [hold.id])).get(hold.id) ?? [];
      return { ...converted, resources };
    });
  }

  return { contextFor, assertBookable, writeWithinPlan, bookWithin, holdWithin, convertWithin };
}

export type BookingCore = ReturnType<typeof createBookingCore>;
