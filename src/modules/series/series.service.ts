// The series module books recurring appointments: a rule expanded in the hospital's zone, each occurrence an ordinary appointment booked through the appointments module.
import type { Db } from '../../infra/db/client.ts';
import type { SkippedOccurrence } from '../../infra/db/schema/appointment-series.ts';
import { withTenant, TenantScope } from '../../infra/db/tenant.ts';
import { recordAccess } from '../access-log/access-log.repo.ts';
import { enqueue } from '../../infra/queue/outbox.ts';
import { DomainError, forbidden, notFound, validation, type ErrorCode } from '../../shared/errors.ts';
import { parseInstant } from '../../shared/instant.ts';
import { recordAudit } from '../audit/audit.repo.ts';
import { withResources, type AppointmentActor, type AppointmentService } from '../appointments/appointments.service.ts';
import { type AppointmentRecord } from '../appointments/booking-core.ts';
import { bookingWrite, exclusionError } from '../appointments/booking-conflicts.ts';
import { idempotent, type IdempotentRequest, type IdempotentResult } from '../idempotency/idempotency.ts';
import { lockSubscriptionLimits } from '../subscriptions/subscriptions.repo.ts';
import { expandRecurrence, localTimeOf, type Occurrence } from './recurrence.ts';
import { seriesRule, planNumbers } from './series-rules.ts';
import {
  findSeries,
  findSeriesParties,
  insertSeries,
  liveOccurrencesFrom,
  recordSkipped,
  seriesOccurrences,
  type SeriesRow,
} from './series.repo.ts';
import { SERIES_EVENTS, seriesMessage } from './series-events.ts';
import type { AppointmentSeriesView, CancelSeriesInput, CreateSeriesInput } from './series.schemas.ts';
import { seriesView } from './series.views.ts';

export interface SeriesServiceDeps {
  db: Db;
  /** Books and cancels each occurrence: the one booking path, with its critical section. */
  appointments: AppointmentService;
  idempotencyTtlMs: number;
  now?: () => Date;
}

type Scope = TenantScope<AppointmentActor>;

/**
 * Refusals that are about the series as a whole, not one occurrence: they
 * would refuse every occurrence alike, so they answer as themselves (402,
 * 422) rather than as a list of identical conflicts.
 */
const WHOLE_SERIES: ReadonlySet<ErrorCode> = new Set([
  'SUBSCRIPTION_INACTIVE',
  'DOCTOR_INACTIVE',
  'NOT_FOUND',
  'VALIDATION_ERROR',
  'VISIT_TYPE_INACTIVE',
  'VISIT_TYPE_NOT_OFFERED',
]);

/** An occurrence that cannot be booked: when, the code a single booking would have answered, its sentence and details. */
type Conflict = SkippedOccurrence;

/** The parts of a refusal's details a conflict keeps: the resource kind that is short, why the time is outside the schedule. */
function conflictDetails(details: unknown): Pick<Conflict, 'details'> {
  if (!details || typeof details !== 'object') return {};
  const { kind, reason } = details as { kind?: unknown; reason?: unknown };
  const kept = {
    ...(typeof kind === 'string' ? { kind } : {}),
    ...(typeof reason === 'string' ? { reason } : {}),
  };
  return Object.keys(kept).length ? { details: kept } : {};
}

export function createSeriesService({ db, appointments, idempotencyTtlMs, now = () => new Date() }: SeriesServiceDeps) {
  /** A doctor sees only their own series; others see 404 (no existence leak). */
  function visibleTo(actor: AppointmentActor, row: SeriesRow | null): SeriesRow {
    if (!row) throw notFound('Appointment series');
    if (actor.role === 'doctor' && row.doctorId !== actor.doctorId) throw notFound('Appointment series');
    return row;
  }

  /**
   * Books one occurrence in a savepoint of the series' transaction, so a
   * refused occurrence leaves nothing behind (its row, reminders and audit
   * event roll back to the savepoint) and the next one still runs. The
   * conflict it met comes back instead of being thrown.
   */
  async function bookOccurrence(scope: Scope, series: SeriesRow, occurrence: Occurrence): Promise<AppointmentRecord | Conflict> {
    const start = occurrence.start.toISOString();
    if (occurrence.skippedHour) {
      const reason = `${localTimeOf(series.startsAt, series.timezone)} does not exist on that day in ${series.timezone} (the clocks skip that hour)`;
      return { start, code: 'OUTSIDE_SCHEDULE', reason };
    }
    try {
      return await scope.tx.transaction((sp) =>
        appointments.bookWithin(
          new TenantScope(sp, scope.hospitalId, scope.actor),
          {
            doctorId: series.doctorId,
            patientId: series.patientId,
            start,
            // A visit type gives each occurrence its length, buffers and resources (assigned per occurrence).
            ...(series.visitTypeId ? { visitTypeId: series.visitTypeId } : { durationMinutes: series.durationMinutes }),
            ...(series.reason ? { reason: series.reason } : {}),
          },
          { seriesId: series.id, confirmation: false },
        ),
      );
    } catch (err) {
      const refusal = err instanceof DomainError ? err : exclusionError(err);
      if (!refusal || WHOLE_SERIES.has(refusal.code)) throw refusal ?? err;
      return { start, code: refusal.code, reason: refusal.message, ...conflictDetails(refusal.details) };
    }
  }

  async function create(scope: Scope, input: CreateSeriesInput, first: Date) {
    if (input.visitTypeId && input.durationMinutes !== undefined) {
      throw validation('Invalid body: durationMinutes comes from the visit type; leave it out', {
        fields: [{ field: 'durationMinutes', in: 'body', message: 'must be left out when visitTypeId is given' }],
      });
    }
    const parties = await findSeriesParties(scope, input);
    if (!parties) throw notFound('Hospital');
    if (!parties.doctor) throw notFound('Doctor');
    if (!parties.patientFound) throw notFound('Patient');
    if (input.visitTypeId && !parties.visitType) throw notFound('Visit type');
    const rule = seriesRule(input.recurrence, first, parties.timezone);
    const occurrences = expandRecurrence(first, parties.timezone, rule);
    rule.check(occurrences.length);
    // The hospital's booking lock for the whole series, taken once here (after the doctor, as every booking
    // orders them): the months are counted and filled by this series alone until it commits.
    const subscription = await lockSubscriptionLimits(scope);
    const onConflict = input.onConflict ?? 'fail';
    const series = await insertSeries(scope, {
      doctorId: input.doctorId,
      patientId: input.patientId,
      startsAt: first,
      durationMinutes: parties.visitType?.durationMinutes ?? input.durationMinutes ?? parties.doctor.slotMinutes,
      visitTypeId: input.visitTypeId ?? null,
      timezone: parties.timezone,
      frequency: input.recurrence.frequency,
      interval: rule.interval,
      count: rule.count ?? null,
      until: rule.until ?? null,
      onConflict,
      reason: input.reason ?? null,
      createdBy: scope.actor.userId,
    });

    const booked: AppointmentRecord[] = [];
    const conflicts: Conflict[] = [];
    for (const occurrence of occurrences) {
      const result = await bookOccurrence(scope, series, occurrence);
      if ('code' in result) conflicts.push(result);
      else booked.push(result);
    }
    if (conflicts.length > 0 && (onConflict === 'fail' || booked.length === 0)) {
      const months = conflicts.some((c) => c.code === 'PLAN_LIMIT_REACHED') && subscription
        ? await planNumbers(scope, series, occurrences, subscription.plan.maxAppointmentsPerMonth)
        : undefined;
      throw new DomainError(
        'SERIES_CONFLICT',
        onConflict === 'fail'
          ? `${conflicts.length} of ${occurrences.length} occurrences cannot be booked; nothing was booked`
          : `None of the ${occurrences.length} occurrences can be booked`,
        { conflicts, ...(months ? { months } : {}) },
      );
    }
    const stored = conflicts.length ? await recordSkipped(scope, series.id, conflicts) : series;
    await enqueue(scope.tx, [seriesMessage(scope.hospitalId, SERIES_EVENTS.booked, { seriesId: series.id, appointmentIds: booked.map((a) => a.id) })]);
    await recordAudit(scope, {
      action: 'appointment_series.booked',
      entityType: 'appointment_series',
      entityId: series.id,
      changes: ['doctorId', 'patientId', 'start', 'recurrence', 'onConflict', ...(input.reason ? ['reason'] : [])],
      metadata: { occurrences: occurrences.length, booked: booked.length, skipped: conflicts.length, onConflict },
    });
    return seriesView(stored, booked);
  }

  return {
    /**
     * Books a series in ONE transaction: the Idempotency-Key claim, the series
     * row, every occurrence (each through the appointments module's booking,
     * in its own savepoint), one confirmation and the audit events. `fail`
     * commits only if every occurrence was booked; `skip` commits the ones
     * that were, and records the others on the series.
     */
    async book(
      actor: AppointmentActor,
      input: CreateSeriesInput,
      opts: { idempotency?: IdempotentRequest } = {},
    ): Promise<IdempotentResult<AppointmentSeriesView, 201> & { replayed: boolean }> {
      const first = parseInstant(input.start, 'start');
      if (actor.role === 'doctor' && input.doctorId !== actor.doctorId) {
        throw forbidden('A doctor can only book appointment series for themselves');
      }
      return bookingWrite(() =>
        withTenant(db, actor, (scope) =>
          idempotent(scope, opts.idempotency, idempotencyTtlMs, async () => ({ status: 201 as const, view: await create(scope, input, first) }), now()),
        ),
      );
    },

    async get(actor: AppointmentActor, id: string): Promise<AppointmentSeriesView> {
      return withTenant(db, actor, async (scope) => {
        const series = visibleTo(actor, await findSeries(scope, id));
        await recordAccess(scope, 'appointment_series.read', [series.patientId]);
        return seriesView(series, await withResources(scope, await seriesOccurrences(scope, id)));
      });
    },

    /**
     * Cancels the series' scheduled occurrences starting at or after `from`
     * (default now: every future one), each through the appointments module's
     * cancel (status, audit), and sends the patient one summary of what was
     * cancelled. Occurrences already past, finished or cancelled stay as they are.
     */
    async cancel(actor: AppointmentActor, id: string, input: CancelSeriesInput): Promise<AppointmentSeriesView> {
      const from = input.from ? parseInstant(input.from, 'from') : now();
      return withTenant(db, actor, async (scope) => {
        const series = visibleTo(actor, await findSeries(scope, id, { lock: true }));
        const cancelled: { id: string }[] = [];
        for (const occurrence of await liveOccurrencesFrom(scope, id, from)) {
          cancelled.push(await appointments.cancelWithin(scope, occurrence, input.reason ?? null, { notify: false }));
        }
        if (cancelled.length > 0) {
          await enqueue(scope.tx, [seriesMessage(scope.hospitalId, SERIES_EVENTS.cancelled, { seriesId: id, appointmentIds: cancelled.map((a) => a.id) })]);
          await recordAudit(scope, {
            action: 'appointment_series.cancelled',
            entityType: 'appointment_series',
            entityId: id,
            changes: ['status', ...(input.reason ? ['cancelReason'] : [])],
            metadata: { from: from.toISOString(), cancelled: cancelled.length },
          });
        }
        return seriesView(series, await withResources(scope, await seriesOccurrences(scope, id)));
      });
    },
  };
}

export type SeriesService = ReturnType<typeof createSeriesService>;
