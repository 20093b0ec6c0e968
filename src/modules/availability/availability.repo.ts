import { sql } from 'drizzle-orm';
import { rawRows } from '../../infra/db/client.ts';
import { instant } from '../../infra/db/fragments.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import { liveOverlap } from '../appointments/appointments.repo.ts';
import type { WeeklyInterval } from '../schedules/weekly.ts';
import type { TimeRange } from './slots.ts';

export interface AvailabilityData {
  active: boolean;
  slotMinutes: number;
  bufferMinutes: number;
  timezone: string;
  minimumNoticeMinutes: number;
  bookingHorizonDays: number;
  weekly: WeeklyInterval[];
  timeOff: TimeRange[];
  /** Live (`scheduled`) appointments. */
  appointments: TimeRange[];
}

type Pairs = [number, number][];
const ranges = (pairs: Pairs): TimeRange[] => pairs.map(([s, e]) => ({ startMs: Number(s), endMs: Number(e) }));

/**
 * Everything one availability answer needs, in ONE query (one round trip):
 * the doctor, the hospital's zone and settings, the weekly hours, and the
 * time off and live appointments overlapping [from, to). The appointment
 * subquery (liveOverlap) uses the GiST index behind the exclusion constraint
 * appointments_doctor_no_overlap, so it is one index scan whatever the
 * doctor's history.
 * Instants travel as epoch milliseconds: no Date parsing for 500 rows.
 */
export async function findAvailabilityData(
  scope: TenantScope,
  doctorId: string,
  window: { from: Date; to: Date },
): Promise<AvailabilityData | null> {
  const from = instant(window.from);
  const to = instant(window.to);
  const [row] = await rawRows<{
    active: boolean;
    slot_minutes: number;
    buffer_minutes: number;
    timezone: string;
    minimum_notice_minutes: number;
    booking_horizon_days: number;
    weekly: [number, number, number][];
    time_off: Pairs;
    appointments: Pairs;
  }>(
    scope.tx,
    sql`select d.active, d.slot_minutes, d.buffer_minutes, h.timezone, h.minimum_notice_minutes, h.booking_horizon_days,
               coalesce((select json_agg(json_build_array(w.weekday, w.start_minute, w.end_minute))
                           from doctor_weekly_hours w
                          where w.hospital_id = ${scope.hospitalId} and w.doctor_id = d.id), '[]'::json) as weekly,
               coalesce((select json_agg(json_build_array(extract(epoch from t.starts_at) * 1000, extract(epoch from t.ends_at) * 1000))
                           from doctor_time_off t
                          where t.hospital_id = ${scope.hospitalId} and t.doctor_id = d.id
                            and t.starts_at < ${to} and t.ends_at > ${from}), '[]'::json) as time_off,
               coalesce((select json_agg(json_build_array(extract(epoch from a.starts_at) * 1000, extract(epoch from a.ends_at) * 1000))
                           from appointments a
                          where ${liveOverlap(sql`${scope.hospitalId}::uuid`, sql`a.doctor_id = d.id`, sql`tstzrange(${from}, ${to})`)}), '[]'::json) as appointments
          from doctors d
          join hospitals h on h.id = d.hospital_id
         where d.hospital_id = ${scope.hospitalId} and d.id = ${doctorId}`,
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
  };
}
