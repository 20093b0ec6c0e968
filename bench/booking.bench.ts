import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import type { Deps } from '../src/deps.ts';
import { userIdForEmail } from '../src/infra/auth/user-id.ts';
import { cpuPerRequest, measureLoop, throughputResult, type BenchResult } from './lib.ts';
import { load } from './loadgen.ts';
import { literal, pgbench, pgbenchAvailable } from './pgbench.ts';
import { profiling, startApi, startBare } from './processes.ts';
import { injector, unlimitedPlan } from './seed.ts';

/**
 * Booking throughput: `POST /v1/appointments` across 16 hospitals (one doctor
 * and patient each, every request a free slot) at c=16, against the API
 * process (auth, validation, schedule check, subscription lock, plan count,
 * insert under the exclusion constraints, outbox, audit, commit) with the load
 * generator (autocannon) in its own process. Floors, in the same run, by
 * `pgbench` at the same concurrency (PGlite in this process without DATABASE_URL):
 * 1. an INSERT of one appointment row (exclusion constraints and all);
 * 2. a replay of the booking transaction's own SQL, recorded from one booking
 *    per hospital through node-postgres: the same statements, with fresh
 *    slots and fresh ids per transaction;
 * 3. (the floor ladder, docs/performance.md "Where the floor is") a minimal
 *    Fastify + node-postgres server in its own process running that replay
 *    per request, driven like the API.
 */
const HOSPITALS = 16;
const CONCURRENCY = 16;
const SECONDS = 5;
const WARMUP_SECONDS = 1;
const SLOT_MINUTES = 5;

interface Target {
  hospitalId: string;
  doctorId: string;
  patientId: string;
  email: string;
  userId: string;
}

/**
 * node-postgres' Client.query, recording what it sends while `recorded` is set.
 * Installed when this module loads, before any pool connects (the app's
 * metrics wrap each client's query when it connects).
 */
let recorded: { text: string; values: unknown[] }[] | null = null;
let statements: { text: string; values: unknown[] }[] = [];
const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, config: unknown, values?: unknown, cb?: unknown) {
  if (recorded) {
    // Drizzle passes ({ text, rowMode, types }, params); others (text, params) or ({ text, values }).
    const c = config as { text?: string; values?: unknown[] };
    const params = Array.isArray(values) ? values : (c?.values ?? []);
    const text = typeof config === 'string' ? config : c?.text;
    if (text) recorded.push({ text, values: params });
  }
  return (originalQuery as (...a: unknown[]) => unknown).call(this, config, values, cb);
} as typeof originalQuery;

const allDay = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => ({ day, start: '00:00', end: '24:00' }));

async function seedHospital(deps: Deps, app: FastifyInstance, token: string, i: number): Promise<Omit<Target, 'email' | 'userId'>> {
  const headers = { authorization: `Bearer ${token}` };
  const inject = injector(app, headers);
  const hospital = await inject('POST', '/v1/hospitals', { name: `Bench Clinic ${i}`, subdomain: `bench-bk-${randomUUID().slice(0, 12)}`, email: 'clinic@example.test', timezone: 'UTC' });
  await unlimitedPlan(deps, hospital.id);
  await inject('PATCH', '/v1/hospitals/me/settings', { bookingHorizonDays: 730, minimumNoticeMinutes: 0 });
  const doctor = await inject('POST', '/v1/doctors', { name: `Dr. Bench ${i}`, email: `doc${i}-${randomUUID().slice(0, 8)}@example.test`, slotMinutes: SLOT_MINUTES });
  await inject('PUT', `/v1/doctors/${doctor.id}/schedule`, { weekly: allDay, slotMinutes: SLOT_MINUTES });
  const patient = await inject('POST', '/v1/patients', { name: `Bench Patient ${i}` });
  return { hospitalId: hospital.id, doctorId: doctor.id, patientId: patient.id };
}

/** A bind value as node-postgres sends it (text): dates as ISO instants, arrays as array literals, objects as JSON. */
function bindText(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return `\\x${v.toString('hex')}`;
  if (Array.isArray(v)) return `{${v.map((x) => (x === null ? 'NULL' : `"${bindText(x).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)).join(',')}}`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One booking's transaction as a pgbench script: every message from BEGIN to
 * COMMIT as node-postgres sent it (several statements in one message joined by
 * pgbench's `\;`, so they stay one round trip), bind values inlined as literals, except the
 * slot (a random 5-minute slot per transaction) and ids minted for this booking
 * (fresh per transaction), so each replay books anew.
 */
function replayScript(statements: { text: string; values: unknown[] }[], slot: { start: Date; end: Date }, known: Set<string>): string {
  const begin = statements.findIndex((s) => /^begin/i.test(s.text.trim()));
  const commit = statements.findIndex((s, i) => i > begin && /^commit/i.test(s.text.trim()));
  if (begin < 0 || commit < 0) throw new Error(`no transaction recorded: ${statements.map((s) => s.text.slice(0, 40)).join(' | ')}`);
  const fresh = new Map<string, string>();
  const lines: string[] = [];
  const body = statements.slice(begin, commit + 1).map(({ text, values }) => {
    // One line per statement in the script: SQL line comments go first, or they would swallow the rest.
    const inlined = text.replace(/--[^\n]*/g, '').replace(/\$(\d+)/g, (_m, n: string) => {
      const v = values[Number(n) - 1];
      if (v === null || v === undefined) return 'NULL';
      if (v instanceof Date && v.getTime() === slot.start.getTime()) return ':slot_start';
      if (v instanceof Date && v.getTime() === slot.end.getTime()) return ':slot_end';
      const text = bindText(v);
      if (text === slot.start.toISOString()) return ':slot_start';
      if (text === slot.end.toISOString()) return ':slot_end';
      if (UUID.test(text) && !known.has(text)) {
        if (!fresh.has(text)) fresh.set(text, `id${fresh.size}`);
        return `:${fresh.get(text)}`;
      }
      return literal(text);
    });
    // Values the app inlined itself (src/infra/db/batch.ts sends several statements in one message) get the same treatment.
    const fromLiterals = inlined.replace(/'((?:[^']|'')*)'|;/g, (token, value: string | undefined) => {
      if (value === undefined) return ' \\;'; // one message of several statements stays one (pgbench's \;)
      if (value === slot.start.toISOString()) return ':slot_start';
      if (value === slot.end.toISOString()) return ':slot_end';
      if (UUID.test(value) && !known.has(value)) {
        if (!fresh.has(value)) fresh.set(value, `id${fresh.size}`);
        return `:${fresh.get(value)}`;
      }
      return token;
    });
    return `${fromLiterals.replace(/\s+/g, ' ').replace(/( \\;)+\s*$/, '').trim()};`;
  });
  // Slots far from the API's (a random one of 10^8 five-minute slots from 2100 on), ids from PostgreSQL, as quoted literals.
  lines.push('\\set n random(1, 100000000)');
  const ids = [...fresh.values()].map((name) => `quote_literal(gen_random_uuid()) as ${name}`);
  lines.push(
    `select quote_literal(to_char(timestamptz '2100-01-01 00:00Z' + :n * interval '5 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) as slot_start, quote_literal(to_char(timestamptz '2100-01-01 00:05Z' + :n * interval '5 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) as slot_end${ids.length ? `, ${ids.join(', ')}` : ''} \\gset`,
  );
  return [...lines, ...body].join('\n') + '\n';
}

/** "N round trips, M statements" of a replay script (its body: one line per message, `\\;` between statements of one). */
function replayShape(script: string): string {
  const messages = script.trim().split('\n').slice(2);
  const statements = messages.reduce((n, line) => n + line.split(' \\;').length, 0);
  return `${messages.length} round trips, ${statements} statements`;
}

export async function run(): Promise<BenchResult[]> {
  const stamp = `${process.pid}-${Date.now().toString(36)}`;
  const day0 = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1);
  const api = await startApi({ RATE_LIMIT_ENABLED: 'false', DB_POOL_MAX: String(CONCURRENCY) }, async ({ bench, app, signToken }) => {
    const { deps } = bench;
    const targets: (Target & { token: string })[] = [];
    for (let i = 0; i < HOSPITALS; i++) {
      const email = `bench-bk-${i}-${stamp}@example.test`;
      const token = await signToken(email);
      const seeded = await seedHospital(deps, app, token, i);
      targets.push({ ...seeded, email, token, userId: userIdForEmail(email) });
    }
    const insertText = `insert into appointments (hospital_id, doctor_id, patient_id, starts_at, ends_at, status) values ($1, $2, $3, $4, $5, 'scheduled')`;
    if (!pgbenchAvailable()) {
      // Embedded: the same row inserted in PGlite, one connection as the app has, distinct slots.
      let n = 0;
      const insert = () => {
        const t = targets[n % HOSPITALS]!;
        const start = new Date(day0 + (160_000 + Math.floor(n++ / HOSPITALS)) * SLOT_MINUTES * 60_000);
        return deps.database.pglite!.query(insertText, [t.hospitalId, t.doctorId, t.patientId, start.toISOString(), new Date(start.getTime() + SLOT_MINUTES * 60_000).toISOString()]);
      };
      await measureLoop(insert, 1, WARMUP_SECONDS);
      return { targets, embedded: await measureLoop(insert, 1, SECONDS), insertScripts: [], replayScripts: [] };
    }
    const insertScripts = targets.map(
      (t) => `\\set n random(1, 100000000)
insert into appointments (hospital_id, doctor_id, patient_id, starts_at, ends_at, status)
values (${literal(t.hospitalId)}, ${literal(t.doctorId)}, ${literal(t.patientId)}, timestamptz '2100-01-01 00:00Z' + :n * interval '5 minutes', timestamptz '2100-01-01 00:05Z' + :n * interval '5 minutes', 'scheduled');
`,
    );
    const replayScripts: string[] = [];
    for (const [i, t] of targets.entries()) {
      const start = new Date(day0 + (150_000 + i) * SLOT_MINUTES * 60_000);
      const end = new Date(start.getTime() + SLOT_MINUTES * 60_000);
      recorded = [];
      try {
        const res = await app.inject({ method: 'POST', url: '/v1/appointments', headers: { authorization: `Bearer ${t.token}` }, payload: { doctorId: t.doctorId, patientId: t.patientId, start: start.toISOString() } });
        if (res.statusCode !== 201) throw new Error(`recorded booking: ${res.statusCode} ${res.body}`);
      } finally {
        statements = recorded;
        recorded = null;
      }
      replayScripts.push(replayScript(statements, { start, end }, new Set([t.hospitalId, t.doctorId, t.patientId, t.userId])));
    }
    if (process.env.BENCH_SHOW_REPLAY) process.stderr.write(replayScripts[0]!);
    return { targets, embedded: null, insertScripts, replayScripts };
  });
  try {
    const { targets, embedded, insertScripts, replayScripts } = api.seeded;
    const insert = insertScripts.length ? await pgbench(insertScripts, { clients: CONCURRENCY, seconds: SECONDS }) : null;
    const replay = replayScripts.length ? await pgbench(replayScripts, { clients: CONCURRENCY, seconds: SECONDS }) : null;
    let floor: BenchResult | null = null;
    if (replay) {
      const server = await startBare('/floor/booking', '', { layers: ['replay'], env: { ...api.env }, replay: replayScripts });
      try {
        const m = await load({ url: server.url, pid: () => server.pid, connections: CONCURRENCY, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS });
        floor = throughputResult(`floor: Fastify + pg running the replay per request, c=${CONCURRENCY}`, m.rps, `pgbench: the same replay, c=${CONCURRENCY}`, replay.tps, {
          p50Ms: m.p50,
          p99Ms: m.p99,
          note: `minimal server, own process; ${m.generator}`,
          ...cpuPerRequest(m),
        });
      } finally {
        await server.close();
      }
    }
    if (profiling) await api.restart({ profile: true });
    const booked = await api.profiled(() =>
      load({
        url: `${api.base}/v1/appointments`,
        method: 'POST',
        pid: api.pid,
        connections: CONCURRENCY,
        seconds: SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        bodies: { kind: 'booking', targets: targets.map((t) => ({ token: t.token, doctorId: t.doctorId, patientId: t.patientId })), firstSlotMs: day0, slotMinutes: SLOT_MINUTES },
      }),
    );
    const profile = profiling ? await api.stop() : null;
    const name = `POST /v1/appointments, ${HOSPITALS} hospitals, free slots, c=${CONCURRENCY}`;
    const note = `API ${api.mode}, own process; ${booked.count} bookings ${JSON.stringify(booked.statuses)}; ${booked.generator}`;
    if (!insert || !replay) {
      return [
        throughputResult(name, booked.rps, `INSERT of one appointment row in PGlite, one connection (p50 ${embedded!.p50.toFixed(2)} ms)`, embedded!.rps, {
          p50Ms: booked.p50,
          p99Ms: booked.p99,
          note,
          ...cpuPerRequest(booked),
          ...(profile ? { profile } : {}),
        }),
      ];
    }
    return [
      throughputResult(name, booked.rps, `pgbench: INSERT of one appointment row, c=${CONCURRENCY} (p50 ${insert.p50.toFixed(2)} ms)`, insert.tps, {
        p50Ms: booked.p50,
        p99Ms: booked.p99,
        note,
        ...cpuPerRequest(booked),
        ...(profile ? { profile } : {}),
      }),
      throughputResult(name, booked.rps, `pgbench: replay of the booking transaction's SQL (${replayShape(replayScripts[0]!)}), c=${CONCURRENCY} (p50 ${replay.p50.toFixed(2)} ms, p99 ${replay.p99.toFixed(2)} ms)`, replay.tps, {
        p50Ms: booked.p50,
        p99Ms: booked.p99,
        note,
        ...cpuPerRequest(booked),
      }),
      ...(floor ? [floor] : []),
    ];
  } finally {
    await api.close();
  }
}
