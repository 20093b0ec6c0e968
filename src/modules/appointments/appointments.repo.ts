import { asc, eq, gte, inArray, lt, ne, sql, type SQL } from 'drizzle-orm';
import { rawRows } from '../../infra/db/client.ts';
import { afterCursor, eqIf, instant } from '../../infra/db/fragments.ts';
import { appointments, MAX_APPOINTMENT_MINUTES, type AppointmentStatus } from '../../infra/db/schema/appointments.ts';
import type { SubscriptionStatus } from '../../infra/db/schema/subscriptions.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { CursorPosition } from '../../shared/cursor.ts';
import type { TimeRange } from '../availability/slots.ts';
import type { WeeklyInterval } from '../schedules/weekly.ts';
import type { WebhookEventType } from '../webhooks/events.ts';
import { subscribedEndpointsJson } from '../webhooks/webhooks.repo.ts';

export type StoredAppointment = typeof appointments.$inferSelect;
/**
 * An appointment as every path but the holds module sees it: never `held`
 * (so always with a patient). Reads that return rows leave held ones out
 * (`notHeld`) and narrow the type here, once.
 */
export type AppointmentRow = Omit<StoredAppointment, 'patientId' | 'status' | 'holdExpiresAt'> & { patientId: string; status: AppointmentStatus };

/** The condition that leaves held rows (holds, not appointments) out of a read. */
export const notHeld = () => ne(appointments.status, 'held');
/** A stored row read with `notHeld()`, as the type it then is. */
export const asAppointment = (row: StoredAppointment): AppointmentRow => row as AppointmentRow;

const MINUTE_MS = 60_000;

/**
 * `a` (an appointments row) is live — `scheduled`, or `held` and not expired
 * (the statuses that hold time) — and overlaps `range`; `who` picks the
 * doctor's or the patient's. The shape of the exclusion constraints (same
 * columns, same predicate), so PostgreSQL answers it from their GiST
 * indexes. Used for the visibly-taken check, the doctor's buffer and the
 * availability query. An expired hold is free time here, before any writer
 * has deleted it. Under row-level security PostgreSQL uses only leakproof
 * operators as index conditions, and `&&` on ranges is not one: alone it
 * would filter every appointment the doctor ever had. The start's bounds
 * (btree comparisons, leakproof; exact because no row lasts longer than
 * MAX_APPOINTMENT_MINUTES, a check constraint) keep the scan to the slot's
 * neighbourhood. (A patient's rows are never held: a hold has no patient.)
 */
export function liveOverlap(hospitalId: SQL, who: SQL, range: SQL, excludeId?: string): SQL {
  return sql`a.hospital_id = ${hospitalId} and ${who} and a.status in ('scheduled', 'held')
             and (a.status = 'scheduled' or a.hold_expires_at > now())
             and a.starts_at < upper(${range}) and a.starts_at > lower(${range}) - interval '${sql.raw(String(MAX_APPOINTMENT_MINUTES))} minutes'
             and tstzrange(a.starts_at, a.ends_at) && ${range}
             ${excludeId ? sql`and a.id <> ${excludeId}::uuid` : sql``}`;
}

/**
 * Deletes the expired holds in a write's way — of the doctor over [from, to)
 * (the exclusion constraint still sees them), or holding any resource over
 * that time — with their resource bookings (cascade). Every writer that takes
 * a slot runs it first, in its own transaction under the subscription lock,
 * so an expired hold never blocks a booking and no worker is needed. A hold
 * being confirmed at that moment is not expired at the confirm's now() and
 * keeps its row lock; the delete re-checks the row after it.
 */
export async function sweepExpiredHolds(scope: TenantScope, doctorId: string, range: { from: Date; to: Date }): Promise<number> {
  return (await rawRows<{ id: string }>(scope.tx, sweepExpiredHoldsSql(scope, doctorId, range))).length;
}

/** sweepExpiredHolds' DELETE, for a writer that sends it in one round trip with the subscription lock before it. */
export function sweepExpiredHoldsSql(scope: TenantScope, doctorId: string, range: { from: Date; to: Date }): SQL {
  const h = sql`${scope.hospitalId}::uuid`;
  const r = sql`tstzrange(${instant(range.from)}, ${instant(range.to)})`;
  return sql`delete from appointments a
         where a.hospital_id = ${h} and a.status = 'held' and a.hold_expires_at <= now()
           and ((a.doctor_id = ${doctorId}::uuid and tstzrange(a.starts_at, a.ends_at) && ${r})
                or exists (select 1 from resource_bookings b
                            where b.hospital_id = ${h} and b.appointment_id = a.id and b.live and tstzrange(b.starts_at, b.ends_at) && ${r}))
        returning a.id`;
}

/** The hospital's closures overlapping `window` as [[startMs, endMs], ...] (json), for one-round-trip reads. */
export function closuresJson(hospitalId: SQL, window: { from: Date; to: Date }): SQL {
  return sql`coalesce((select json_agg(json_build_array((extract(epoch from c.starts_at) * 1000)::float8, (extract(epoch from c.ends_at) * 1000)::float8))
                         from hospital_closures c
                        where c.hospital_id = ${hospitalId} and c.starts_at < ${instant(window.to)} and c.ends_at > ${instant(window.from)}), '[]'::json)`;
}

/** `lock`: `update` for a change of the row, `share` to keep it from changing under a dependent write (a visit note). */
export async function findAppointment(scope: TenantScope, id: string, { lock }: { lock?: 'update' | 'share' } = {}): Promise<AppointmentRow | null> {
  const query = scope.select(appointments, eq(appointments.id, id), notHeld()).limit(1);
  const [row] = lock ? await query.for(lock) : await query;
  return row ? asAppointment(row) : null;
}

/**
 * Changes one appointment and bumps its version (reminders scheduled for an
 * older version know they are stale). Moving it re-checks the exclusion
 * constraints on this same row, so a taken new time fails the statement and
 * the row keeps its old time. `onlyIf` makes the change conditional (null
 * when it does not hold).
 */
export async function updateAppointment(
  scope: TenantScope,
  id: string,
  changes: Partial<Pick<AppointmentRow, 'startsAt' | 'endsAt' | 'status' | 'cancelReason'>>,
  onlyIf?: SQL,
): Promise<AppointmentRow | null> {
  const [row] = await scope
    .update(appointments, { ...changes, version: sql`${appointments.version} + 1`, updatedAt: new Date() }, eq(appointments.id, id), notHeld(), onlyIf)
    .returning();
  return row ? asAppointment(row) : null;
}

export interface AppointmentFilter {
  doctorId?: string;
  patientId?: string;
  status?: AppointmentStatus;
  /** Any of these statuses (the FHIR search's comma list). */
  statuses?: AppointmentStatus[];
  from?: Date;
  to?: Date;
}

/** Ordered by (start, id); `limit + 1` rows tell the caller whether another page follows. */
export async function listAppointments(
  scope: TenantScope,
  filter: AppointmentFilter,
  after: CursorPosition | null,
  limit: number,
): Promise<AppointmentRow[]> {
  const rows = await scope
    .select(
      appointments,
      notHeld(),
      eqIf(appointments.doctorId, filter.doctorId),
      eqIf(appointments.patientId, filter.patientId),
      eqIf(appointments.status, filter.status),
      filter.statuses ? inArray(appointments.status, filter.statuses) : undefined,
      filter.from ? gte(appointments.startsAt, filter.from) : undefined,
      filter.to ? lt(appointments.startsAt, filter.to) : undefined,
      afterCursor(after, [appointments.startsAt, appointments.id], 'asc'),
    )
    .orderBy(asc(appointments.startsAt), asc(appointments.id))
    .limit(limit + 1);
  return rows.map(asAppointment);
}

export interface BookingVisitType {
  id: string;
  active: boolean;
  durationMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  requires: string[];
  /** Whether the booking's doctor offers it. */
  offered: boolean;
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
  /** Hospital closures overlapping [windowFrom, windowTo). */
  closures: TimeRange[];
  /** The visit type asked for, when one was (null when this hospital has none by that id). */
  visitType: BookingVisitType | null;
  /** The transaction's now(): what created_at/updated_at defaults will be. */
  txNow: Date;
  /** The active webhook endpoints subscribed to the event this write will emit (read along, no round trip of its own). */
  webhookEndpointIds: string[];
  /**
   * Whether a committed live appointment already overlaps the slot, for the
   * doctor or the patient: the fast answer for a taken slot, before any lock.
   * Not the guarantee — a booking committed a moment later is caught by the
   * exclusion constraints at insert.
   */
  busy: 'doctor' | 'patient' | null;
}

/**
 * Everything a booking or a move checks before taking any lock — the
 * hospital's settings, the doctor, whether the patient exists (and is not erased), the
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
  scope: TenantScope,
  ids: { doctorId: string; patientId: string | null; visitTypeId?: string | null },
  window: { from: Date; to: Date },
  slot: { start: Date; durationMinutes?: number; excludeId?: string },
  event: WebhookEventType,
): Promise<BookingContext | null> {
  const start = instant(slot.start);
  const range = sql`tstzrange(${start}, ${start} + make_interval(mins => coalesce(${slot.durationMinutes ?? null}::int, vt.duration_minutes, d.slot_minutes)))`;
  const busy = (who: SQL) => sql`exists (select 1 from appointments a where ${liveOverlap(sql`h.id`, who, range, slot.excludeId)})`;
  const [row] = await rawRows<{
    timezone: string;
    booking_horizon_days: number;
    minimum_notice_minutes: number;
    reminder_offsets_minutes: number[];
    doctor_id: string | null;
    active: boolean | null;
    slot_minutes: number | null;
    buffer_minutes: number | null;
    patient_found: boolean;
    subscription_status: SubscriptionStatus | null;
    current_period_end: Date | null;
    weekly: [number, number, number][];
    time_off: [number, number][];
    tx_now: Date;
    doctor_busy: boolean | null;
    patient_busy: boolean | null;
    closures: [number, number][];
    vt_id: string | null;
    vt_active: boolean | null;
    vt_duration: number | null;
    vt_before: number | null;
    vt_after: number | null;
    vt_requires: string[] | null;
    vt_offered: boolean | null;
    webhook_endpoint_ids: string[];
  }>(
    scope.tx,
    sql`select now() as tx_now, h.timezone, h.booking_horizon_days, h.minimum_notice_minutes, array_to_json(h.reminder_offsets_minutes) as reminder_offsets_minutes,
               d.id as doctor_id, d.active, d.slot_minutes, d.buffer_minutes,
               (${ids.patientId}::uuid is null -- a hold: no patient yet
                or exists (select 1 from patients p where p.hospital_id = h.id and p.id = ${ids.patientId}::uuid and p.erased_at is null)) as patient_found,
               s.status as subscription_status, s.current_period_end,
               ${busy(sql`a.doctor_id = d.id`)} as doctor_busy,
               ${busy(sql`a.patient_id = ${ids.patientId}::uuid`)} as patient_busy,
               coalesce((select json_agg(json_build_array(w.weekday, w.start_minute, w.end_minute))
                           from doctor_weekly_hours w
                          where w.hospital_id = h.id and w.doctor_id = d.id), '[]'::json) as weekly,
               coalesce((select json_agg(json_build_array((extract(epoch from t.starts_at) * 1000)::float8, (extract(epoch from t.ends_at) * 1000)::float8))
                           from doctor_time_off t
                          where t.hospital_id = h.id and t.doctor_id = d.id
                            and t.starts_at < ${instant(window.to)} and t.ends_at > ${instant(window.from)}), '[]'::json) as time_off,
               ${closuresJson(sql`h.id`, window)} as closures,
               vt.id as vt_id, vt.active as vt_active, vt.duration_minutes as vt_duration, vt.buffer_before_minutes as vt_before,
               vt.buffer_after_minutes as vt_after, array_to_json(vt.requires) as vt_requires,
               exists (select 1 from visit_type_doctors vd where vd.hospital_id = h.id and vd.visit_type_id = vt.id and vd.doctor_id = d.id) as vt_offered,
               ${subscribedEndpointsJson(sql`h.id`, event)} as webhook_endpoint_ids
          from hospitals h
          left join lateral (
                select d.id, d.active, d.slot_minutes, d.buffer_minutes from doctors d
                 where d.hospital_id = h.id and d.id = ${ids.doctorId}::uuid
                   for key share) d on true
          left join visit_types vt on vt.hospital_id = h.id and vt.id = ${ids.visitTypeId ?? null}::uuid
          left join hospital_subscriptions s on s.hospital_id = h.id
         where h.id = ${scope.hospitalId}::uuid`,
  );
  if (!row) return null;
  return {
    hospital: {
      id: scope.hospitalId,
      timezone: row.timezone,
      bookingHorizonDays: row.booking_horizon_days,
      minimumNoticeMinutes: row.minimum_notice_minutes,
      reminderOffsetsMinutes: row.reminder_offsets_minutes,
    },
    doctor: row.doctor_id
      ? { id: row.doctor_id, active: row.active === true, slotMinutes: row.slot_minutes!, bufferMinutes: row.buffer_minutes! }
      : null,
    patientFound: row.patient_found === true,
    subscription: row.subscription_status
      ? { status: row.subscription_status, currentPeriodEnd: row.current_period_end! }
      : null,
    weekly: row.weekly.map(([weekday, startMinute, endMinute]) => ({ weekday, startMinute, endMinute })),
    timeOff: row.time_off.map(([startMs, endMs]) => ({ startMs, endMs })),
    closures: row.closures.map(([startMs, endMs]) => ({ startMs, endMs })),
    visitType: row.vt_id
      ? {
          id: row.vt_id,
          active: row.vt_active === true,
          durationMinutes: row.vt_duration!,
          bufferBeforeMinutes: row.vt_before!,
          bufferAfterMinutes: row.vt_after!,
          requires: row.vt_requires ?? [],
          offered: row.vt_offered === true,
        }
      : null,
    txNow: row.tx_now,
    webhookEndpointIds: row.webhook_endpoint_ids,
    busy: row.doctor_busy ? 'doctor' : row.patient_busy ? 'patient' : null,
  };
}
