import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { Temporal } from 'temporal-polyfill';
import { buildApp } from '../src/app.ts';
import type { Deps } from '../src/deps.ts';
import { rawRows } from '../src/infra/db/client.ts';
import { withTenant } from '../src/infra/db/tenant.ts';
import { computeSlots } from '../src/modules/availability/slots.ts';
import { parseWeekly } from '../src/modules/schedules/weekly.ts';
import { measureHttp, measureLoop, startBenchDeps, throughputResult, type BenchResult } from './lib.ts';

/**
 * Availability over 31 days for a doctor with 500 booked appointments, through
 * the API over loopback (auth, membership, tenant transaction, doctor +
 * schedule query, one busy query, slot computation, serialisation), against
 * the floor: one indexed SELECT of the same 500 appointments through `pg` (or
 * PGlite without DATABASE_URL) at the same concurrency, in the same run.
 * A third line times the pure slot computation alone.
 *
 * Cal.com users report availability lookups of 10–47 s; this should be
 * milliseconds. Bounded: a warm-up second and SECONDS per measurement.
 */
const CONNECTIONS = 10;
const WARMUP_SECONDS = 1;
const SECONDS = 4;
const APPOINTMENTS = 500;
const ZONE = 'Europe/Berlin';

/** A hospital, a doctor working 08:00–20:00 every day in 30-minute slots, 500 appointments and some time off in the window. */
async function seed(deps: Deps, app: Awaited<ReturnType<typeof buildApp>>, headers: Record<string, string>) {
  const inject = async (method: 'POST' | 'PUT', url: string, payload: object) => {
    const res = await app.inject({ method, url, headers, payload });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json().data as { id: string };
  };
  const hospital = await inject('POST', '/v1/hospitals', {
    name: 'Bench Clinic',
    subdomain: `bench-av-${process.pid}-${Date.now().toString(36)}`,
    email: 'clinic@example.test',
    timezone: ZONE,
  });
  const doctor = await inject('POST', '/v1/doctors', { name: 'Dr. Bench', email: 'dr.bench@example.test', slotMinutes: 30 });
  const weekly = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => ({ day, start: '08:00', end: '20:00' }));
  await inject('PUT', `/v1/doctors/${doctor.id}/schedule`, { weekly, slotMinutes: 30, bufferMinutes: 5 });

  const from = Temporal.Now.plainDateISO(ZONE).add({ days: 2 });
  const to = from.add({ days: 30 });
  // 24 slots a day x 31 days = 744; book 500 of them (three slots in four, until 500).
  const starts: string[] = [];
  for (let d = 0; d < 31 && starts.length < APPOINTMENTS; d++) {
    for (let s = 0; s < 24 && starts.length < APPOINTMENTS; s++) {
      if ((d * 24 + s) % 4 === 3) continue;
      const start = from.add({ days: d }).toPlainDateTime({ hour: 8 + Math.floor(s / 2), minute: (s % 2) * 30 }).toZonedDateTime(ZONE);
      starts.push(start.toInstant().toString());
    }
  }
  if (starts.length !== APPOINTMENTS) throw new Error(`seeded ${starts.length} appointments, wanted ${APPOINTMENTS}`);
  await withTenant(deps.database.db, hospital.id, async ({ tx }) => {
    const [patient] = await rawRows<{ id: string }>(tx, sql`insert into patients (hospital_id, name) values (${hospital.id}, 'Bench Patient') returning id`);
    await tx.execute(sql`
      insert into appointments (hospital_id, doctor_id, patient_id, starts_at, ends_at, status)
      select ${hospital.id}, ${doctor.id}, ${patient!.id}, s, s + interval '25 minutes', 'scheduled'
        from unnest(${`{${starts.join(',')}}`}::timestamptz[]) as s`);
    await tx.execute(sql`
      insert into doctor_time_off (hospital_id, doctor_id, starts_at, ends_at, reason)
      values (${hospital.id}, ${doctor.id}, ${starts[100]}::timestamptz, ${starts[100]}::timestamptz + interval '2 days', 'conference')`);
    await tx.execute(sql`analyze appointments`);
  });
  return { hospitalId: hospital.id, doctorId: doctor.id, from: from.toString(), to: to.toString() };
}

export async function run(): Promise<BenchResult[]> {
  const bench = await startBenchDeps({ RATE_LIMIT_MAX: '1000000000' });
  const { config, deps } = bench;
  const app = await buildApp(deps);
  const pool = config.env.DATABASE_URL ? new pg.Pool({ connectionString: config.env.DATABASE_URL, max: CONNECTIONS }) : null;
  try {
    const token = await bench.signToken(`bench-av-${process.pid}-${Date.now()}@example.test`);
    const headers = { authorization: `Bearer ${token}` };
    const { hospitalId, doctorId, from, to } = await seed(deps, app, headers);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/doctors/${doctorId}/availability?from=${from}&to=${to}`;

    const sample = await app.inject({ method: 'GET', url: `/v1/doctors/${doctorId}/availability?from=${from}&to=${to}`, headers });
    if (sample.statusCode !== 200) throw new Error(`availability: ${sample.statusCode} ${sample.body}`);
    const slotCount = (sample.json().data.slots as unknown[]).length;

    // The floor: the appointment rows for the same window through the same index, nothing else.
    const rangeStart = Temporal.PlainDate.from(from).toZonedDateTime({ timeZone: ZONE }).toInstant().toString();
    const rangeEnd = Temporal.PlainDate.from(to).add({ days: 1 }).toZonedDateTime({ timeZone: ZONE }).toInstant().toString();
    const text = `select starts_at, ends_at from appointments
                   where hospital_id = $1 and doctor_id = $2 and status = 'scheduled'
                     and tstzrange(starts_at, ends_at) && tstzrange($3::timestamptz, $4::timestamptz)`;
    const params = [hospitalId, doctorId, rangeStart, rangeEnd];
    const select = pool ? () => pool.query(text, params) : () => deps.database.pglite!.query(text, params);
    const rows = pool ? (await pool.query(text, params)).rowCount : (await deps.database.pglite!.query(text, params)).rows.length;
    if (rows !== APPOINTMENTS) throw new Error(`baseline SELECT returned ${rows} rows, wanted ${APPOINTMENTS}`);
    // PGlite is one connection (as the app has): concurrency there only queues.
    const workers = pool ? CONNECTIONS : 1;
    await measureLoop(select, workers, WARMUP_SECONDS);
    const floor = await measureLoop(select, workers, SECONDS);
    const api = await measureHttp(url, headers, { connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS });

    // The pure computation on the same inputs, in this process.
    const busy = await withTenant(deps.database.db, hospitalId, ({ tx }) =>
      rawRows<{ s: number; e: number }>(
        tx,
        sql`select (extract(epoch from starts_at) * 1000)::float8 as s, (extract(epoch from ends_at) * 1000)::float8 as e
              from appointments where hospital_id = ${hospitalId} and doctor_id = ${doctorId}`,
      ),
    );
    const weekly = parseWeekly(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => ({ day: day as 'monday', start: '08:00', end: '20:00' })), 30);
    const appointments = busy.map((b) => ({ startMs: Number(b.s), endMs: Number(b.e) }));
    const compute = () =>
      Promise.resolve(
        computeSlots({ zone: ZONE, weekly, slotMinutes: 30, bufferMinutes: 5, from, to, timeOff: [], appointments, notBeforeMs: Date.now() }),
      );
    await measureLoop(compute, 1, WARMUP_SECONDS);
    const pure = await measureLoop(compute, 1, 2);

    const adapters = `${config.adapters.database}`;
    const baselineName = `one indexed SELECT of the ${APPOINTMENTS} appointments (${pool ? 'pg' : 'PGlite'}, p50 ${floor.p50.toFixed(2)} ms)`;
    return [
      throughputResult(`GET availability, 31 days, ${APPOINTMENTS} appointments`, api.rps, baselineName, floor.rps, {
        p50Ms: api.p50,
        p99Ms: api.p99,
        note: `${adapters}; ${slotCount} slots returned; ${CONNECTIONS} connections; latency ratio p50 ${(floor.p50 / api.p50).toFixed(3)}`,
      }),
      throughputResult('computeSlots alone (same inputs, in process)', pure.rps, baselineName, floor.rps, {
        p50Ms: pure.p50,
        p99Ms: pure.p99,
        note: 'pure function: 31 local days, 500 busy ranges, Temporal-resolved days',
      }),
    ];
  } finally {
    await app.close();
    await pool?.end();
    await bench.close();
  }
}
