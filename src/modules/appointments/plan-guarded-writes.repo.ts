import { eq, sql, type SQL } from 'drizzle-orm';
import { withWrites } from '../../infra/db/batch.ts';
import { rawRows } from '../../infra/db/client.ts';
import { instant } from '../../infra/db/fragments.ts';
import { appointments } from '../../infra/db/schema/appointments.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import { planLimitSql, subscriptionActiveSql } from '../subscriptions/subscriptions.repo.ts';
import { countedAppointments } from '../subscriptions/usage.ts';
import { asAppointment, liveOverlap, updateAppointment, type AppointmentRow, type StoredAppointment } from './appointments.repo.ts';

/**
 * The writes of the booking's critical section: an appointment inserted,
 * converted from a hold or moved by ONE conditional statement that checks the
 * plan's rules itself (the month's room, the subscription's state, the
 * doctor's buffers), under the subscription row lock the caller holds
 * (booking-core.ts, writeWithinPlan).
 */

const MINUTE_MS = 60_000;

/**
 * The plan's rules for one booking write, checked by the write itself under
 * the subscription row lock (the critical section of appointments.service.ts).
 */
export interface PlanRules {
  /** Room under the monthly limit in the appointment's hospital-local month (a booking; a move into another month). */
  month?: { from: Date; to: Date; limit: number };
  /**
   * A write sent in the same round trip as the subscription lock: the monthly
   * limit is the plan's, read by the write itself (`month.limit` is then
   * unused), and the write happens only if the subscription allows new
   * bookings at this instant.
   */
  withLock?: { activeAt: Date };
  /**
   * The doctor's time around the visit: [start - before, end + after) (the
   * visit type's buffers) must stay `minutes` (the doctor's buffer) away from
   * every other live appointment's own [start - before, end + after). The
   * exclusion constraints only know overlapping visits.
   */
  buffer: { doctorId: string; start: Date; end: Date; minutes: number; before: number; after: number };
  /** The appointment being moved: neither counted nor its own neighbour. */
  excludeId?: string;
}

const monthCount = (scope: TenantScope, rules: PlanRules & { month: NonNullable<PlanRules['month']> }) =>
  countedAppointments(sql`${scope.hospitalId}::uuid`, { from: instant(rules.month.from), to: instant(rules.month.to) }, rules.excludeId);

/** The largest buffer a visit type can have on one side (its schema's bound). */
const MAX_TYPE_BUFFER_MINUTES = 240;

/**
 * The doctor's live appointments whose buffered time comes too close to the
 * slot's (see PlanRules.buffer). Visits that overlap outright are left to the
 * exclusion constraints, which say "overlap". The index finds candidates
 * within the widest reach any buffer allows; the exact test follows.
 */
function bufferNeighbours(scope: TenantScope, { buffer: b, excludeId }: PlanRules): SQL {
  const at = (d: Date, minutes: number) => instant(new Date(d.getTime() + minutes * MINUTE_MS));
  const reach = b.minutes + MAX_TYPE_BUFFER_MINUTES;
  const range = sql`tstzrange(${at(b.start, -(b.before + reach))}, ${at(b.end, b.after + reach)})`;
  return sql`select a.id from appointments a
              where ${liveOverlap(sql`${scope.hospitalId}::uuid`, sql`a.doctor_id = ${b.doctorId}::uuid`, range, excludeId)}
                and not (tstzrange(a.starts_at, a.ends_at) && tstzrange(${instant(b.start)}, ${instant(b.end)}))
                and tstzrange(a.starts_at - make_interval(mins => a.buffer_before_minutes + ${b.minutes}::int),
                              a.ends_at + make_interval(mins => a.buffer_after_minutes + ${b.minutes}::int))
                    && tstzrange(${at(b.start, -b.before)}, ${at(b.end, b.after)})`;
}

/** The rules as one condition of the write's statement, whose snapshot is taken after the lock was granted. */
function planHolds(scope: TenantScope, rules: PlanRules): SQL {
  const holds: SQL[] = [];
  const h = sql`${scope.hospitalId}::uuid`;
  if (rules.withLock) holds.push(subscriptionActiveSql(h, instant(rules.withLock.activeAt)));
  if (rules.month) {
    const limit = rules.withLock ? planLimitSql(h, 'max_appointments_per_month') : sql`${rules.month.limit}`;
    holds.push(sql`${monthCount(scope, { ...rules, month: rules.month })} < ${limit}`);
  }
  holds.push(sql`not exists (${bufferNeighbours(scope, rules)})`);
  return sql.join(holds, sql` and `);
}

/** What a booking inserts (the rest are the table's defaults). */
export type NewAppointment = Pick<
  StoredAppointment,
  'id' | 'doctorId' | 'patientId' | 'startsAt' | 'endsAt' | 'reason' | 'createdBy' | 'visitTypeId' | 'bufferBeforeMinutes' | 'bufferAfterMinutes' | 'seriesId'
> & { hold?: { expiresAt: Date } };

/**
 * The INSERT of an appointment that happens only if the plan's rules hold;
 * the exclusion constraints judge overlaps as the row goes in (23P01).
 * `returning id`: no row = refused by the month, the buffer or (withLock)
 * the subscription's state (planRefusal says which). `writes` (the booking's
 * outbox and audit rows) go in the same statement (withWrites): a refused
 * insert is followed by a rollback, which takes them back. Sent by the
 * booking in one round trip with the subscription lock (writeWithinPlan).
 */
export function insertWithinPlanSql(
  scope: TenantScope,
  values: NewAppointment,
  rules: PlanRules,
  writes: readonly SQL[] = [],
): SQL {
  return withWrites(
    writes,
    sql`insert into appointments (id, hospital_id, doctor_id, patient_id, starts_at, ends_at, status, reason, created_by,
                                  visit_type_id, buffer_before_minutes, buffer_after_minutes, series_id, hold_expires_at)
        select ${values.id}::uuid, ${scope.hospitalId}::uuid, ${values.doctorId}::uuid, ${values.patientId}::uuid,
               ${instant(values.startsAt)}, ${instant(values.endsAt)}, ${values.hold ? 'held' : 'scheduled'}, ${values.reason}, ${values.createdBy}::uuid,
               ${values.visitTypeId}::uuid, ${values.bufferBeforeMinutes}::int, ${values.bufferAfterMinutes}::int, ${values.seriesId}::uuid,
               ${values.hold ? instant(values.hold.expiresAt) : null}::timestamptz
         where ${planHolds(scope, rules)}
        returning id`,
  );
}

/**
 * Turns a live hold into the patient's appointment in ONE conditional
 * statement: only while it is held and not expired, and only if the plan's
 * rules hold (the month's room, counted without the hold; the buffers); the
 * patient's exclusion constraint judges the patient's other visits. Null =
 * refused (planRefusal says whether by the plan), or no live hold any more.
 */
export async function convertHeldWithinPlan(scope: TenantScope, id: string, patientId: string, rules: PlanRules): Promise<AppointmentRow | null> {
  const [row] = await scope
    .update(
      appointments,
      { status: 'scheduled', patientId, holdExpiresAt: null, version: sql`${appointments.version} + 1`, updatedAt: new Date() },
      eq(appointments.id, id),
      eq(appointments.status, 'held'),
      sql`${appointments.holdExpiresAt} > now()`,
      planHolds(scope, rules),
    )
    .returning();
  return row ? asAppointment(row) : null;
}

/** Moves the appointment only if the plan's rules hold (null = refused); the exclusion constraints judge the new time. */
export function moveWithinPlan(scope: TenantScope, id: string, times: { startsAt: Date; endsAt: Date }, rules: PlanRules): Promise<AppointmentRow | null> {
  return updateAppointment(scope, id, times, planHolds(scope, rules));
}

/** Why a write within the plan was refused, for the error's details: the month's count and a neighbour inside the buffer. */
export async function planRefusal(scope: TenantScope, rules: PlanRules): Promise<{ used: number | null; nearId: string | null }> {
  const [row] = await rawRows<{ used: number | null; near_id: string | null }>(
    scope.tx,
    sql`select ${rules.month ? monthCount(scope, { ...rules, month: rules.month }) : sql`null::int`} as used,
               (${bufferNeighbours(scope, rules)} limit 1) as near_id`,
  );
  return { used: row?.used ?? null, nearId: row?.near_id ?? null };
}
