import { sql, type SQL } from 'drizzle-orm';
import { rawRows, type Executor } from '../../infra/db/client.ts';
import { instant } from '../../infra/db/fragments.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';

/**
 * What counts against a plan's limits, each rule written once as an SQL
 * fragment: the booking's conditional insert, the move's conditional update,
 * the doctor limit check and the usage report all use these.
 */

/** What a plan's limits are measured against. */
export interface Usage {
  /** Doctors that count against maxDoctors (active ones). */
  doctors: number;
  /** Appointments that count against maxAppointmentsPerMonth in the hospital's current local month. */
  appointmentsThisMonth: number;
}

export const NO_USAGE: Usage = { doctors: 0, appointmentsThisMonth: 0 };

/** Doctors counted against maxDoctors: the hospital's active ones. */
export function countedDoctors(hospitalId: SQL): SQL {
  return sql`(select count(*)::int from doctors d where d.hospital_id = ${hospitalId} and d.active)`;
}

/**
 * Appointments counted against maxAppointmentsPerMonth: every one that is not
 * cancelled (completed and no-shows were used) nor held (a hold is counted
 * when it is confirmed) starting in [month.from,
 * month.to), the hospital-local month; `excludeId` leaves out the appointment
 * being moved.
 */
export function countedAppointments(hospitalId: SQL, month: { from: SQL; to: SQL }, excludeId?: string): SQL {
  return sql`(select count(*)::int from appointments a
               where a.hospital_id = ${hospitalId}
                 and a.starts_at >= ${month.from} and a.starts_at < ${month.to}
                 and a.status not in ('cancelled', 'held')
                 ${excludeId ? sql`and a.id <> ${excludeId}::uuid` : sql``})`;
}

/** The active doctors of the scope's hospital (read under the subscription lock by the doctor limit check). */
export async function countDoctors(scope: TenantScope): Promise<number> {
  const [row] = await rawRows<{ n: number }>(scope.tx, sql`select ${countedDoctors(sql`${scope.hospitalId}::uuid`)} as n`);
  return row?.n ?? 0;
}

/**
 * Usage of several hospitals in one round trip (the operator list shows a
 * page of hospitals at once); each hospital's month is its own local calendar
 * month (its IANA time zone) at `now`.
 */
export async function usageOf(executor: Executor, hospitalIds: string[], now: Date = new Date()): Promise<Map<string, Usage>> {
  const usage = new Map<string, Usage>(hospitalIds.map((id) => [id, { ...NO_USAGE }]));
  if (hospitalIds.length === 0) return usage;
  const ids = sql`array[${sql.join(hospitalIds.map((id) => sql`${id}::uuid`), sql`, `)}]`;
  const monthStart = sql`date_trunc('month', ${instant(now)} at time zone h.timezone)`;
  const month = { from: sql`${monthStart} at time zone h.timezone`, to: sql`(${monthStart} + interval '1 month') at time zone h.timezone` };
  const rows = await rawRows<{ id: string; doctors: number; appointments: number }>(
    executor,
    sql`select h.id, ${countedDoctors(sql`h.id`)} as doctors, ${countedAppointments(sql`h.id`, month)} as appointments
          from hospitals h where h.id = any(${ids})`,
  );
  for (const r of rows) usage.set(r.id, { doctors: r.doctors, appointmentsThisMonth: r.appointments });
  return usage;
}

export async function usageOfHospital(scope: TenantScope, now: Date = new Date()): Promise<Usage> {
  return (await usageOf(scope.tx, [scope.hospitalId], now)).get(scope.hospitalId) ?? { ...NO_USAGE };
}
