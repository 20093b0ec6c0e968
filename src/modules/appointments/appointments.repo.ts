import { and, asc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { rawRows, type Executor } from '../../infra/db/client.ts';
import { appointments, type AppointmentStatus } from '../../infra/db/schema/appointments.ts';
import type { SubscriptionStatus } from '../../infra/db/schema/subscriptions.ts';
import type { CursorPosition } from '../../shared/cursor.ts';
import type { TimeRange } from '../availability/slots.ts';
import type { WeeklyInterval } from '../schedules/weekly.ts';

export type AppointmentRow = typeof appointments.$inferSelect;

export async function findAppointment(
  tx: Executor,
  hospitalId: string,
  id: string,
  { forUpdate = false }: { forUpdate?: boolean } = {},
): Promise<AppointmentRow | null> {
  const query = tx
    .select()
    .from(appointments)
    .where(and(eq(appointments.hospitalId, hospitalId), eq(appointments.id, id)))
    .limit(1);
  const [row] = forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

/**
 * Changes one appointment and bumps its version (reminders scheduled for an
 * older version know they are stale). Moving it re-checks the exclusion
 * constraints on this same row, so a taken new time fails the statement and
 * the row keeps its old time.
 */
export async function updateAppointment(
  tx: Executor,
  hospitalId: string,
  id: string,
  changes: Partial<Pick<AppointmentRow, 'startsAt' | 'endsAt' | 'status' | 'cancelReason'>>,
): Promise<AppointmentRow | null> {
  const [row] = await tx
    .update(appointments)
    .set({ ...changes, version: sql`${appointments.version} + 1`, updatedAt: new Date() })
    .where(and(eq(appointments.hospitalId, hospitalId), eq(appointments.id, id)))
    .returning();
  return row ?? null;
}

export interface AppointmentFilter {
  doctorId?: string;
  patientId?: string;
  status?: AppointmentStatus;
  from?: Date;
  to?: Date;
}

/** Ordered by (start, id); `limit + 1` rows tell the caller whether another page follows. */
export async function listAppointments(
  tx: Executor,
  hospitalId: string,
  filter: AppointmentFilter,
  after: CursorPosition | null,
  limit: number,
): Promise<AppointmentRow[]> {
  const where: SQL[] = [eq(appointments.hospitalId, hospitalId)];
  if (filter.doctorId) where.push(eq(appointments.doctorId, filter.doctorId));
  if (filter.patientId) where.push(eq(appointments.patientId, filter.patientId));
  if (filter.status) where.push(eq(appointments.status, filter.status));
  if (filter.from) where.push(gte(appointments.startsAt, filter.from));
  if (filter.to) where.push(lt(appointments.startsAt, filter.to));
  if (after) where.push(sql`(${appointments.startsAt}, ${appointments.id}) > (${after.key}::timestamptz, ${after.id}::uuid)`);
  return tx
    .select()
    .from(appointments)
    .where(and(...where))
    .orderBy(asc(appointments.startsAt), asc(appointments.id))
    .limit(limit + 1);
}

export interface BookingContext {
  hospital: {
    id: string;
    timezone: string;
    bookingHorizonDays: number;
    minimumNoticeMinutes: number;
    reminderOffsetsMinutes: number[];
  };
  doctor: { id: string; active: boolean; slotMinutes: number; bufferMinutes: number } | null;
  patientFound: boolean;
  subscription: { status: SubscriptionStatus; currentPeriodEnd: Date } | null;
  /** The doctor's weekly hours (local wall-clock minutes). */
  weekly: WeeklyInterval[];
  /** The doctor's time off overlapping [windowFrom, windowTo). */
  timeOff: TimeRange[];
  /** The transaction's now(): what created_at/updated_at defaults will be. */
  txNow: Date;
  /**
   * Whether a committed live appointment already overlaps the slot, for the
   * doctor or the patient: the fast answer for a taken slot, before any lock.
   * Not the guarantee — a booking committed a moment later is caught by the
   * exclusion constraints at insert.
   */
  busy: 'doctor' | 'patient' | null;
}

const jsonOf = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

/**
 * Everything a booking or a move checks before taking any lock — the
 * hospital's settings, the doctor, whether the patient exists, the
 * subscription's status, the weekly hours and the time off near the
 * appointment, and whether the slot is visibly taken — in ONE round trip,
 * every part filtered by the hospital. The slot's end is the start plus
 * `durationMinutes`, or the doctor's slot length when that is not given.
 * Returns null when the hospital itself is not visible.
 *
 * The doctor row is read FOR KEY SHARE — the lock the foreign key check of
 * the insert would take anyway, taken first: a concurrent deactivation,
 * reactivation or schedule change (FOR UPDATE on the doctor, then maybe the
 * subscription lock) finishes before this booking reads the doctor, so the
 * two never wait on each other in opposite orders and the booking sees the
 * doctor row as committed (a deactivation that won the race is seen).
 */
export async function loadBookingContext(
  tx: Executor,
  hospitalId: string,
  ids: { doctorId: string; patientId: string },
  window: { from: Date; to: Date },
  slot: { start: Date; durationMinutes?: number; excludeId?: string },
): Promise<BookingContext | null> {
  const range = sql`tstzrange(${slot.start.toISOString()}::timestamptz,
                              ${slot.start.toISOString()}::timestamptz + make_interval(mins => coalesce(${slot.durationMinutes ?? null}::int, d.slot_minutes)))`;
  const exclude = slot.excludeId ? sql`and a.id <> ${slot.excludeId}::uuid` : sql``;
  const [row] = await rawRows<{
    timezone: string;
    booking_horizon_days: number;
    minimum_notice_minutes: number;
    reminder_offsets_minutes: number[] | string;
    doctor_id: string | null;
    active: boolean | null;
    slot_minutes: number | null;
    buffer_minutes: number | null;
    patient_found: boolean;
    subscription_status: SubscriptionStatus | null;
    current_period_end: Date | string | null;
    weekly: [number, number, number][] | string;
    time_off: [number, number][] | string;
    tx_now: Date | string;
    doctor_busy: boolean | null;
    patient_busy: boolean | null;
  }>(
    tx,
    sql`select now() as tx_now, h.timezone, h.booking_horizon_days, h.minimum_notice_minutes, array_to_json(h.reminder_offsets_minutes) as reminder_offsets_minutes,
               d.id as doctor_id, d.active, d.slot_minutes, d.buffer_minutes,
               exists (select 1 from patients p where p.hospital_id = h.id and p.id = ${ids.patientId}::uuid) as patient_found,
               s.status as subscription_status, s.current_period_end,
               exists (select 1 from appointments a
                        where a.hospital_id = h.id and a.doctor_id = d.id and a.status = 'scheduled'
                          and tstzrange(a.starts_at, a.ends_at) && ${range} ${exclude}) as doctor_busy,
               exists (select 1 from appointments a
                        where a.hospital_id = h.id and a.patient_id = ${ids.patientId}::uuid and a.status = 'scheduled'
                          and tstzrange(a.starts_at, a.ends_at) && ${range} ${exclude}) as patient_busy,
               coalesce((select json_agg(json_build_array(w.weekday, w.start_minute, w.end_minute))
                           from doctor_weekly_hours w
                          where w.hospital_id = h.id and w.doctor_id = d.id), '[]'::json) as weekly,
               coalesce((select json_agg(json_build_array((extract(epoch from t.starts_at) * 1000)::float8, (extract(epoch from t.ends_at) * 1000)::float8))
                           from doctor_time_off t
                          where t.hospital_id = h.id and t.doctor_id = d.id
                            and t.starts_at < ${window.to.toISOString()}::timestamptz
                            and t.ends_at > ${window.from.toISOString()}::timestamptz), '[]'::json) as time_off
          from hospitals h
          left join lateral (
                select d.id, d.active, d.slot_minutes, d.buffer_minutes from doctors d
                 where d.hospital_id = h.id and d.id = ${ids.doctorId}::uuid
                   for key share) d on true
          left join hospital_subscriptions s on s.hospital_id = h.id
         where h.id = ${hospitalId}::uuid`,
  );
  if (!row) return null;
  return {
    hospital: {
      id: hospitalId,
      timezone: row.timezone,
      bookingHorizonDays: Number(row.booking_horizon_days),
      minimumNoticeMinutes: Number(row.minimum_notice_minutes),
      reminderOffsetsMinutes: jsonOf(row.reminder_offsets_minutes).map(Number),
    },
    doctor: row.doctor_id
      ? { id: row.doctor_id, active: row.active === true, slotMinutes: Number(row.slot_minutes), bufferMinutes: Number(row.buffer_minutes) }
      : null,
    patientFound: row.patient_found === true,
    subscription: row.subscription_status
      ? { status: row.subscription_status, currentPeriodEnd: new Date(row.current_period_end!) }
      : null,
    weekly: jsonOf(row.weekly).map(([weekday, startMinute, endMinute]) => ({ weekday, startMinute, endMinute })),
    timeOff: jsonOf(row.time_off).map(([s, e]) => ({ startMs: Number(s), endMs: Number(e) })),
    txNow: new Date(row.tx_now),
    busy: row.doctor_busy ? 'doctor' : row.patient_busy ? 'patient' : null,
  };
}

/**
 * Run under the subscription row lock, in one round trip:
 * - `used`: appointments counted against the plan's monthly limit in
 *   [month.from, month.to) — every one not cancelled, the rule of
 *   subscriptions/usage.ts — when `month` is given;
 * - `nearId`: a live appointment of the doctor closer than `bufferMinutes`
 *   to [start, end) (or overlapping it), when a buffer is given. The
 *   exclusion constraint only knows overlap; the buffer is checked here, and
 *   because every booking write of the hospital holds the subscription lock
 *   two writers cannot both pass it.
 * `excludeId` leaves out the appointment being moved.
 */
export async function usageAndNeighbour(
  tx: Executor,
  hospitalId: string,
  opts: {
    month?: { from: Date; to: Date };
    buffer?: { doctorId: string; start: Date; end: Date; minutes: number };
    excludeId?: string;
  },
): Promise<{ used: number | null; nearId: string | null }> {
  const exclude = opts.excludeId ? sql`and a.id <> ${opts.excludeId}::uuid` : sql``;
  const month = opts.month
    ? sql`(select count(*)::int from appointments a
            where a.hospital_id = ${hospitalId}::uuid
              and a.starts_at >= ${opts.month.from.toISOString()}::timestamptz
              and a.starts_at < ${opts.month.to.toISOString()}::timestamptz
              and a.status <> 'cancelled' ${exclude})`
    : sql`null::int`;
  const b = opts.buffer;
  const near =
    b && b.minutes > 0
      ? sql`(select a.id from appointments a
              where a.hospital_id = ${hospitalId}::uuid and a.doctor_id = ${b.doctorId}::uuid and a.status = 'scheduled'
                and a.starts_at < ${new Date(b.end.getTime() + b.minutes * 60_000).toISOString()}::timestamptz
                and a.ends_at > ${new Date(b.start.getTime() - b.minutes * 60_000).toISOString()}::timestamptz
                ${exclude}
              limit 1)`
      : sql`null::uuid`;
  const [row] = await rawRows<{ used: number | null; near_id: string | null }>(tx, sql`select ${month} as used, ${near} as near_id`);
  return { used: row?.used === null || row?.used === undefined ? null : Number(row.used), nearId: row?.near_id ?? null };
}

/**
 * The booking's one statement under the subscription lock: inserts the
 * appointment only if the hospital-local month still has room under `limit`
 * and the doctor has no live appointment within `bufferMinutes`; the
 * exclusion constraints judge overlaps as the row goes in (23P01). The
 * statement's snapshot is taken after the lock was granted, so it sees every
 * booking committed before. False = refused by the month or the buffer (ask
 * usageAndNeighbour which).
 */
export async function insertWithinPlan(
  tx: Executor,
  hospitalId: string,
  values: { id: string; doctorId: string; patientId: string; startsAt: Date; endsAt: Date; reason: string | null; createdBy: string | null },
  rules: { month: { from: Date; to: Date }; limit: number; bufferMinutes: number },
): Promise<boolean> {
  const buffer =
    rules.bufferMinutes > 0
      ? sql`and not exists (select 1 from appointments a
              where a.hospital_id = ${hospitalId}::uuid and a.doctor_id = ${values.doctorId}::uuid and a.status = 'scheduled'
                and a.starts_at < ${new Date(values.endsAt.getTime() + rules.bufferMinutes * 60_000).toISOString()}::timestamptz
                and a.ends_at > ${new Date(values.startsAt.getTime() - rules.bufferMinutes * 60_000).toISOString()}::timestamptz)`
      : sql``;
  const rows = await rawRows<{ id: string }>(
    tx,
    sql`insert into appointments (id, hospital_id, doctor_id, patient_id, starts_at, ends_at, status, reason, created_by)
        select ${values.id}::uuid, ${hospitalId}::uuid, ${values.doctorId}::uuid, ${values.patientId}::uuid,
               ${values.startsAt.toISOString()}::timestamptz, ${values.endsAt.toISOString()}::timestamptz, 'scheduled', ${values.reason}, ${values.createdBy}::uuid
         where (select count(*) from appointments a
                 where a.hospital_id = ${hospitalId}::uuid
                   and a.starts_at >= ${rules.month.from.toISOString()}::timestamptz
                   and a.starts_at < ${rules.month.to.toISOString()}::timestamptz
                   and a.status <> 'cancelled') < ${rules.limit}
           ${buffer}
        returning id`,
  );
  return rows.length === 1;
}
