import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import type { Deps } from '../src/deps.ts';
import { rawRows } from '../src/infra/db/client.ts';
import { startBenchDeps, throughputResult, type BenchResult } from './lib.ts';

/**
 * Booking throughput: `POST /v1/appointments` over real HTTP on loopback
 * (auth, validation, schedule check, subscription lock, plan count, insert
 * under the exclusion constraints, outbox, audit, commit) against the same
 * appointment row inserted by raw SQL (pg pool, or PGlite without
 * DATABASE_URL) at the same concurrency, measured back to back in one run.
 *
 * 1. distinct slots: every request books a free time;
 * 2. one contested slot: every request aims at the same time, so all but the
 *    first are refused (409 via the exclusion constraint; raw SQL: 23P01).
 *
 * Bounded: each phase runs for SECONDS or MAX_REQUESTS, whichever comes first.
 */
const CONCURRENCY = 16;
const SECONDS = 4;
const WARMUP_REQUESTS = 64;
const MAX_REQUESTS = 20_000;
const SLOT_MINUTES = 5;

interface PhaseResult {
  rps: number;
  count: number;
  statuses: Map<string, number>;
  p50: number;
  p99: number;
}

/** Runs `one(i)` with CONCURRENCY workers until the time or count bound; `one` returns an outcome label. */
async function phase(one: (i: number) => Promise<string>, seconds = SECONDS, max = MAX_REQUESTS): Promise<PhaseResult> {
  const statuses = new Map<string, number>();
  const latencies: number[] = [];
  let next = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline && next < max) {
        const i = next++;
        const t0 = performance.now();
        const outcome = await one(i);
        latencies.push(performance.now() - t0);
        statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { rps: latencies.length / elapsed, count: latencies.length, statuses, p50: pct(50), p99: pct(99) };
}

const describe = (s: Map<string, number>) => [...s.entries()].map(([k, v]) => `${k}×${v}`).join(' ');

/** Raw inserts: a dedicated pg pool of CONCURRENCY connections, or the app's PGlite (one connection, as the app has). */
function rawInserter(deps: Deps) {
  const url = deps.config.env.DATABASE_URL;
  const pool = url ? new pg.Pool({ connectionString: url, max: CONCURRENCY }) : null;
  const pglite = deps.database.pglite;
  const text = `insert into appointments (hospital_id, doctor_id, patient_id, starts_at, ends_at, status)
                values ($1, $2, $3, $4, $5, 'scheduled')`;
  return {
    async insert(values: [string, string, string, string, string]): Promise<string> {
      try {
        if (pool) await pool.query(text, values);
        else await pglite!.query(text, values);
        return 'inserted';
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === '23P01') return 'exclusion 23P01';
        // Two concurrent inserts into one slot can wait on each other's exclusion check; PostgreSQL aborts one.
        if (code === '40P01') return 'deadlock 40P01';
        throw err;
      }
    },
    close: async () => {
      await pool?.end();
    },
  };
}

export async function run(): Promise<BenchResult[]> {
  const bench = await startBenchDeps({
    RATE_LIMIT_ENABLED: 'false',
    DB_POOL_MAX: String(CONCURRENCY),
    // The API process only: no messaging loops run here, the outbox rows just accumulate.
    RABBITMQ_URL: '',
  });
  const { config, deps } = bench;
  const app = await buildApp(deps);
  const raw = rawInserter(deps);
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const token = await bench.signToken(`bench-booking-${process.pid}-${Date.now()}@example.test`);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const call = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`${base}${url}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return { status: res.status, json: (await res.json()) as { data: { id: string } } };
    };
    const setup = async (method: string, url: string, body: unknown, expected: number) => {
      const res = await call(method, url, body);
      if (res.status !== expected) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.json)}`);
      return res.json.data;
    };
    const hospital = await setup('POST', '/v1/hospitals', { name: 'Bench Clinic', subdomain: `bench-${randomUUID().slice(0, 12)}`, email: 'clinic@example.test', timezone: 'UTC' }, 201);
    // A plan without a practical monthly limit, so the limit check runs but never refuses.
    const plan = `bench-${randomUUID().slice(0, 8)}`;
    await deps.database.db.execute(
      sql`insert into subscription_plans (code, name, price_cents, currency, interval, max_doctors, max_appointments_per_month, sms_enabled, trial_days, is_default, active)
          values (${plan}, 'Bench', 0, 'USD', 'month', 100, 100000000, false, 0, false, false)`,
    );
    await deps.database.db.execute(
      sql`update hospital_subscriptions set plan_id = (select id from subscription_plans where code = ${plan}) where hospital_id = ${hospital.id}::uuid`,
    );
    const allDay = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => ({ day, start: '00:00', end: '24:00' }));
    const doctors: string[] = [];
    for (let i = 0; i < 3; i++) {
      const doctor = await setup('POST', '/v1/doctors', { name: `Dr. Bench ${i}`, email: `doc${i}-${process.pid}@example.test`, slotMinutes: SLOT_MINUTES }, 201);
      await setup('PUT', `/v1/doctors/${doctor.id}/schedule`, { weekly: allDay, slotMinutes: SLOT_MINUTES }, 200);
      doctors.push(doctor.id);
    }
    const [apiDoctor, rawDoctor, contestedDoctor] = doctors as [string, string, string];
    const patient = await setup('POST', '/v1/patients', { name: 'Bench Patient' }, 201);
    const patients = await rawRows<{ id: string }>(
      deps.database.db,
      sql`insert into patients (hospital_id, name) select ${hospital.id}::uuid, 'P' || g from generate_series(1, 2) g returning id`,
    );
    const rawPatient = patients[0]!.id;
    const contestedPatients = await rawRows<{ id: string }>(
      deps.database.db,
      sql`insert into patients (hospital_id, name) select ${hospital.id}::uuid, 'C' || g from generate_series(1, ${CONCURRENCY * 4}) g returning id`,
    );

    const day0 = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1);
    const slot = (i: number) => new Date(day0 + i * SLOT_MINUTES * 60_000);
    const end = (d: Date) => new Date(d.getTime() + SLOT_MINUTES * 60_000);

    // --- distinct slots -------------------------------------------------------
    let apiSlot = 0;
    const bookFree = async () => {
      const start = slot(apiSlot++);
      const res = await call('POST', '/v1/appointments', { doctorId: apiDoctor, patientId: patient.id, start: start.toISOString() });
      return String(res.status);
    };
    let rawSlot = 0;
    const insertFree = async () => {
      const start = slot(rawSlot++);
      return raw.insert([hospital.id, rawDoctor, rawPatient, start.toISOString(), end(start).toISOString()]);
    };
    await phase(bookFree, 30, WARMUP_REQUESTS);
    await phase(insertFree, 30, WARMUP_REQUESTS);
    const rawFree = await phase(insertFree);
    const apiFree = await phase(bookFree);
    if ([...apiFree.statuses.keys()].some((s) => s !== '201')) throw new Error(`distinct slots: unexpected statuses ${describe(apiFree.statuses)}`);

    // --- one contested slot -----------------------------------------------------
    const contested = slot(20_000).toISOString();
    let n = 0;
    const bookContested = async () => {
      const p = contestedPatients[n++ % contestedPatients.length]!.id;
      const res = await call('POST', '/v1/appointments', { doctorId: contestedDoctor, patientId: p, start: contested });
      return String(res.status);
    };
    let m = 0;
    const rawContestedSlot = slot(30_000);
    const insertContested = async () =>
      raw.insert([hospital.id, rawDoctor, contestedPatients[m++ % contestedPatients.length]!.id, rawContestedSlot.toISOString(), end(rawContestedSlot).toISOString()]);
    const rawContested = await phase(insertContested);
    const apiContested = await phase(bookContested);
    if ((apiContested.statuses.get('201') ?? 0) !== 1 || [...apiContested.statuses.keys()].some((s) => s !== '201' && s !== '409')) {
      throw new Error(`contested slot: expected one 201 and the rest 409, got ${describe(apiContested.statuses)}`);
    }

    const adapters = `${config.adapters.database}`;
    return [
      throughputResult('POST /v1/appointments, distinct slots (c=16)', apiFree.rps, 'raw SQL insert of the row, same concurrency', rawFree.rps, {
        p50Ms: apiFree.p50,
        p99Ms: apiFree.p99,
        note: `${adapters}; ${apiFree.count} bookings (${describe(apiFree.statuses)}); raw ${rawFree.count} rows, p50 ${rawFree.p50.toFixed(2)} ms`,
      }),
      throughputResult('POST /v1/appointments, one contested slot (c=16)', apiContested.rps, 'raw SQL insert into one slot, same concurrency', rawContested.rps, {
        p50Ms: apiContested.p50,
        p99Ms: apiContested.p99,
        note: `${adapters}; ${describe(apiContested.statuses)}; raw ${describe(rawContested.statuses)}`,
      }),
    ];
  } finally {
    await raw.close();
    await app.close();
    await bench.close();
  }
}
