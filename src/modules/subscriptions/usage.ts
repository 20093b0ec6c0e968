import { sql } from 'drizzle-orm';
import { rawRows, type Executor } from '../../infra/db/client.ts';

/** What a plan's limits are measured against. */
export interface Usage {
  /** Doctors that count against maxDoctors (active ones). */
  doctors: number;
  /** Appointments that count against maxAppointmentsPerMonth in the hospital's current local month. */
  appointmentsThisMonth: number;
}

export const NO_USAGE: Usage = { doctors: 0, appointmentsThisMonth: 0 };

/**
 * Usage of several hospitals in one round trip per table (the operator list
 * shows a page of hospitals at once). The doctors and appointments tables
 * belong to other modules and arrive with their migrations: a table that is
 * not there yet counts as zero instead of failing the query.
 */
export async function usageOf(tx: Executor, hospitalIds: string[], now: Date = new Date()): Promise<Map<string, Usage>> {
  const usage = new Map<string, Usage>(hospitalIds.map((id) => [id, { ...NO_USAGE }]));
  if (hospitalIds.length === 0) return usage;
  const [tables] = await rawRows<{ doctors: boolean; appointments: boolean }>(
    tx,
    sql`select to_regclass('public.doctors') is not null as doctors, to_regclass('public.appointments') is not null as appointments`,
  );
  const ids = sql`array[${sql.join(hospitalIds.map((id) => sql`${id}::uuid`), sql`, `)}]`;
  if (tables?.doctors) {
    const rows = await rawRows<{ hospital_id: string; n: number }>(
      tx,
      sql`select hospital_id, count(*)::int as n from doctors
           where hospital_id = any(${ids}) and active
           group by hospital_id`,
    );
    for (const r of rows) usage.get(r.hospital_id)!.doctors = r.n;
  }
  if (tables?.appointments) {
    // The month is the hospital's local calendar month (its IANA time zone).
    const rows = await rawRows<{ hospital_id: string; n: number }>(
      tx,
      sql`select a.hospital_id, count(*)::int as n
            from appointments a
            join hospitals h on h.id = a.hospital_id
           where a.hospital_id = any(${ids})
             and a.status <> 'cancelled'
             and a.starts_at >= date_trunc('month', ${now.toISOString()}::timestamptz at time zone h.timezone) at time zone h.timezone
             and a.starts_at < (date_trunc('month', ${now.toISOString()}::timestamptz at time zone h.timezone) + interval '1 month') at time zone h.timezone
           group by a.hospital_id`,
    );
    for (const r of rows) usage.get(r.hospital_id)!.appointmentsThisMonth = r.n;
  }
  return usage;
}

export async function usageOfHospital(tx: Executor, hospitalId: string, now: Date = new Date()): Promise<Usage> {
  return (await usageOf(tx, [hospitalId], now)).get(hospitalId) ?? { ...NO_USAGE };
}
