import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../infra/db/client.ts';
import { instant } from '../../infra/db/fragments.ts';
import { tenantRows } from '../../infra/db/tenant.ts';
import { closuresJson, liveOverlap } from '../appointments/appointments.repo.ts';
import { takesResource } from '../appointments/resource-bookings.repo.ts';
import type { WeeklyInterval } from '../schedules/weekly.ts';
import type { ResourceNeed, TimeRange } from './slots.ts';

export interface AvailabilityData {
  active: boolean;
  slotMinutes: number;
  bufferMinutes: number;
  timezone: string;
  minimumNoticeMinutes: number;
  bookingHorizonDays: number;
  weekly: WeeklyInterval[];
  timeOff: TimeRange[];
  /** Live (`scheduled`) appointments, as the time they block (their visit type's buffers included). */
  appointments: TimeRange[];
  closures: TimeRange[];
}

export interface AvailabilityVisitType {
  id: string;
  active: boolean;
  bookableOnline: boolean;
  durationMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  requires: string[];
  resources: ResourceNeed;
}

type Pairs = [number, number][];
type Window = { from: Date; to: Date };

const ranges = (pairs: Pairs): TimeRange[] => pairs.map(([s, e]) => ({ startMs: Number(s), endMs: Number(e) }));
const epochMs = (column: SQL) => sql`(extract(epoch from ${column}) * 1000)::float8`;

/*
 * The parts of an availability answer as correlated subqueries over the
 * doctor `d` (or the visit type `vt`), so one statement reads them all.
 * Instants travel as epoch milliseconds: no Date parsing for 500 rows.
 */
const weeklyOf = (h: SQL) =>
  sql`coalesce((select json_agg(json_build_array(w.weekday, w.start_minute, w.end_minute))
                  from doctor_weekly_hours w where w.hospital_id = ${h} and w.doctor_id = d.id), '[]'::json)`;
const timeOffOf = (h: SQL, window: Window) =>
  sql`coalesce((select json_agg(json_build_array(${epochMs(sql`t.starts_at`)}, ${epochMs(sql`t.ends_at`)}))
                  from doctor_time_off t
                 where t.hospital_id = ${h} and t.doctor_id = d.id and t.starts_at < ${instant(window.to)} and t.ends_at > ${instant(window.from)}), '[]'::json)`;
/** The doctor's live appointments (liveOverlap, whose start bound gives the index a leakproof condition under RLS), as blocked time. */
const appointmentsOf = (h: SQL, window: Window) =>
  sql`coalesce((select json_agg(json_build_array(${epochMs(sql`a.starts_at - make_interval(mins => a.buffer_before_minutes)`)},
                                                 ${epochMs(sql`a.ends_at + make_interval(mins => a.buffer_after_minutes)`)}))
                  from appointments a
                 where ${liveOverlap(h, sql`a.doctor_id = d.id`, sql`tstzrange(${instant(window.from)}, ${instant(window.to)})`)}), '[]'::json)`;
/** Every active resource of a kind the type requires, with its busy ranges (time off and live bookings) in the window. */
const resourcesOf = (h: SQL, window: Window) =>
  sql`coalesce((select json_agg(json_build_array(r.kind, coalesce((
                    select json_agg(json_build_array(${epochMs(sql`x.starts_at`)}, ${epochMs(sql`x.ends_at`)}))
                      from (select o.starts_at, o.ends_at from resource_time_off o
                             where o.hospital_id = ${h} and o.resource_id = r.id and o.starts_at < ${instant(window.to)} and o.ends_at > ${instant(window.from)}
                            union all
                            select b.starts_at, b.ends_at from resource_bookings b
                             where b.hospital_id = ${h} and b.resource_id = r.id and ${takesResource(sql`b`)}
                               and tstzrange(b.starts_at, b.ends_at) && tstzrange(${instant(window.from)}, ${instant(window.to)})) x), '[]'::json))
                    order by r.kind, r.name, r.id)
                  from resources r where r.hospital_id = ${h} and r.active and r.kind = any(vt.requires)), '[]'::json)`;
const visitTypeColumns = (h: SQL, window: Window) =>
  sql`vt.id as vt_id, vt.active as vt_active, vt.bookable_online as vt_online, vt.duration_minutes as vt_duration,
      vt.buffer_before_minutes as vt_before, vt.buffer_after_minutes as vt_after, array_to_json(vt.requires) as vt_requires,
      ${resourcesOf(h, window)} as vt_resources`;

interface VisitTypeColumns {
  vt_id: string | null;
  vt_active: boolean | null;
  vt_online: boolean | null;
  vt_duration: number | null;
  vt_before: number | null;
  vt_after: number | null;
  vt_requires: string[] | null;
  vt_resources: [string, Pairs][] | null;
}

function visitTypeOf(row: VisitTypeColumns): AvailabilityVisitType | null {
  if (!row.vt_id) return null;
  const pools: Record<string, TimeRange[][]> = {};
  for (const [kind, busy] of row.vt_resources ?? []) (pools[kind] ??= []).push(ranges(busy));
  const requires = row.vt_requires ?? [];
  return {
    id: row.vt_id,
    active: row.vt_active === true,
    bookableOnline: row.vt_online === true,
    durationMinutes: row.vt_duration!,
    bufferBeforeMinutes: row.vt_before!,
    bufferAfterMinutes: row.vt_after!,
    requires,
    resources: { requires, pools },
  };
}

/**
 * Everything one availability answer of a doctor needs, in ONE query — one
 * round trip with its tenant context (tenantRows), on the database the
 * caller picked (primary or replica): the doctor, the hospital's zone and settings, the weekly
 * hours, the time off, closures and live appointments overlapping [from,
 * to), and with `visitTypeId` the type, whether the doctor offers it, and
 * every active resource of the kinds it requires with its busy ranges.
 */
export async function findAvailabilityData(
  db: Db,
  hospitalId: string,
  doctorId: string,
  window: Window,
  visitTypeId?: string,
): Promise<(AvailabilityData & { visitType: AvailabilityVisitType | null; offered: boolean }) | null> {
  const h = sql`${hospitalId}::uuid`;
  const [row] = await tenantRows<
    {
      active: boolean;
      slot_minutes: number;
      buffer_minutes: number;
      timezone: string;
      minimum_notice_minutes: number;
      booking_horizon_days: number;
      weekly: [number, number, number][];
      time_off: Pairs;
      appointments: Pairs;
      closures: Pairs;
      offered: boolean;
    } & VisitTypeColumns
  >(
    db,
    hospitalId,
    sql`select d.active, d.slot_minutes, d.buffer_minutes, h.timezone, h.minimum_notice_minutes, h.booking_horizon_days,
               ${weeklyOf(h)} as weekly, ${timeOffOf(h, window)} as time_off, ${appointmentsOf(h, window)} as appointments,
               ${closuresJson(h, window)} as closures,
               exists (select 1 from visit_type_doctors vd where vd.hospital_id = ${h} and vd.visit_type_id = vt.id and vd.doctor_id = d.id) as offered,
               ${visitTypeColumns(h, window)}
          from doctors d
          join hospitals h on h.id = d.hospital_id
          left join visit_types vt on vt.hospital_id = ${h} and vt.id = ${visitTypeId ?? null}::uuid
         where d.hospital_id = ${h} and d.id = ${doctorId}`,
  );
  if (!row) return null;
  return {
    active: row.active,
    slotMinutes: row.slot_minutes,
    bufferMinutes: row.buffer_minutes,
    timezone: row.timezone,
    minimumNoticeMinutes: row.minimum_notice_minutes,
    bookingHorizonDays: row.booking_horizon_days,
    weekly: row.weekly.map(([weekday, startMinute, endMinute]) => ({ weekday, startMinute, endMinute })),
    timeOff: ranges(row.time_off),
    appointments: ranges(row.appointments),
    closures: ranges(row.closures),
    visitType: visitTypeOf(row),
    offered: row.offered,
  };
}

export interface VisitTypeAvailabilityData {
  timezone: string;
  minimumNoticeMinutes: number;
  bookingHorizonDays: number;
  closures: TimeRange[];
  visitType: AvailabilityVisitType | null;
  /** The active doctors offering the type, by id. */
  doctors: { id: string; bufferMinutes: number; weekly: WeeklyInterval[]; timeOff: TimeRange[]; appointments: TimeRange[] }[];
}

/** Everything the availability of a visit type across its doctors needs, in ONE query (one round trip, tenantRows). */
export async function findVisitTypeAvailabilityData(db: Db, hospitalId: string, visitTypeId: string, window: Window): Promise<VisitTypeAvailabilityData | null> {
  const h = sql`${hospitalId}::uuid`;
  const [row] = await tenantRows<
    {
      timezone: string;
      minimum_notice_minutes: number;
      booking_horizon_days: number;
      closures: Pairs;
      doctors: [string, number, [number, number, number][], Pairs, Pairs][];
    } & VisitTypeColumns
  >(
    db,
    hospitalId,
    sql`select h.timezone, h.minimum_notice_minutes, h.booking_horizon_days, ${closuresJson(h, window)} as closures,
               ${visitTypeColumns(h, window)},
               coalesce((select json_agg(json_build_array(d.id, d.buffer_minutes, ${weeklyOf(h)}, ${timeOffOf(h, window)}, ${appointmentsOf(h, window)}) order by d.id)
                           from visit_type_doctors vd join doctors d on d.hospital_id = vd.hospital_id and d.id = vd.doctor_id
                          where vd.hospital_id = ${h} and vd.visit_type_id = vt.id and d.active), '[]'::json) as doctors
          from hospitals h
          join visit_types vt on vt.hospital_id = h.id and vt.id = ${visitTypeId}::uuid
         where h.id = ${h}`,
  );
  if (!row) return null;
  return {
    timezone: row.timezone,
    minimumNoticeMinutes: row.minimum_notice_minutes,
    bookingHorizonDays: row.booking_horizon_days,
    closures: ranges(row.closures),
    visitType: visitTypeOf(row),
    doctors: row.doctors.map(([id, bufferMinutes, weekly, timeOff, appointments]) => ({
      id,
      bufferMinutes,
      weekly: weekly.map(([weekday, startMinute, endMinute]) => ({ weekday, startMinute, endMinute })),
      timeOff: ranges(timeOff),
      appointments: ranges(appointments),
    })),
  };
}
