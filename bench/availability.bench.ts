import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { Temporal } from 'temporal-polyfill';
import type { Deps } from '../src/deps.ts';
import { rawRows } from '../src/infra/db/client.ts';
import { withTenant } from '../src/infra/db/tenant.ts';
import { computeSlots } from '../src/modules/availability/slots.ts';
import { parseWeekly } from '../src/modules/schedules/weekly.ts';
import { cpuPerRequest, measureLoop, throughputResult, type BenchResult } from './lib.ts';
import { load } from './loadgen.ts';
import { literal, pgbench, pgbenchAvailable } from './pgbench.ts';
import { profiling, startApi, startBare, type FloorSpec } from './processes.ts';
import { injector } from './seed.ts';

/**
 * Availability over 31 days for a doctor with 500 booked appointments, through
 * the API process over loopback (auth, membership, tenant transaction, the one
 * availability query, slot computation, serialisation), the load generator in
 * a process of its own, against the floor: `pgbench` running one indexed SELECT
 * of the same 500 appointments (same where clause) at the same concurrency
 * (PGlite in this process before the API starts, without DATABASE_URL), in
 * the same run. Also one connection (the single-request latency) and the pure
 * slot computation alone.
 *
 * Cal.com users report availability lookups of 10–47 s; this should be
 * milliseconds. Bounded: a warm-up second and SECONDS per measurement.
 */
const CONNECTIONS = 10;
const WARMUP_SECONDS = 1;
const SECONDS = 4;
const APPOINTMENTS = 500;
const ZONE = 'Europe/Berlin';
const WEEKLY = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => ({ day, start: '08:00', end: '20:00' }));

/**
 * The floor ladder (docs/performance.md "Where the floor is"): minimal Fastify
 * servers, each its own process driven like the API, doing the same SELECT of
 * the same rows over node-postgres, then behind the tenant's RLS context, then
 * with the slots computed and written as the API does (bench/bare-server.ts).
 */
const LADDER: { label: string; layers: FloorSpec['layers']; agg?: boolean }[] = [
  { label: 'Fastify + pg, the SELECT (500 rows) as JSON', layers: ['pg'] },
  { label: 'Fastify + pg, same rows as one json_agg value', layers: ['pg'], agg: true },
  { label: 'same, behind the RLS tenant context', layers: ['pg', 'tenant'], agg: true },
  { label: 'same + computeSlots and the JSON answer', layers: ['pg', 'tenant', 'slots'], agg: true },
];

/** A hospital, a doctor working 08:00–20:00 every day in 30-minute slots, 500 appointments and some time off in the window. */
async function seed(deps: Deps, app: FastifyInstance, headers: Record<string, string>) {
  const inject = injector(app, headers);
  const hospital = await inject('POST', '/v1/hospitals', {
    name: 'Bench Clinic',
    subdomain: `bench-av-${process.pid}-${Date.now().toString(36)}`,
    email: 'clinic@example.test',
    timezone: ZONE,
  });
  const doctor = await inject('POST', '/v1/doctors', { name: 'Dr. Bench', email: 'dr.bench@example.test', slotMinutes: 30 });
  await inject('PUT', `/v1/doctors/${doctor.id}/schedule`, { weekly: WEEKLY, slotMinutes: 30, bufferMinutes: 5 });

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
  const timeOffStartMs = Date.parse(starts[100]!);
  const timeOff = [{ startMs: timeOffStartMs, endMs: timeOffStartMs + 2 * 24 * 3_600_000 }];
  return { hospitalId: hospital.id, doctorId: doctor.id, from: from.toString(), to: to.toString(), timeOff };
}

export async function run(): Promise<BenchResult[]> {
  const email = `bench-av-${process.pid}-${Date.now()}@example.test`;
  const api = await startApi({ RATE_LIMIT_MAX: '1000000000' }, async ({ bench, app, signToken }) => {
    const { deps } = bench;
    const seeded = await seed(deps, app, { authorization: `Bearer ${await signToken(email)}` });
    const { hospitalId, doctorId, from, to } = seeded;
    const rangeStart = Temporal.PlainDate.from(from).toZonedDateTime({ timeZone: ZONE }).toInstant().toString();
    const rangeEnd = Temporal.PlainDate.from(to).add({ days: 1 }).toZonedDateTime({ timeZone: ZONE }).toInstant().toString();
    // The floor: the live appointment rows for the window, with the where clause of the availability query (liveOverlap).
    const where = `from appointments
                   where hospital_id = $1 and doctor_id = $2 and status = 'scheduled'
                     and tstzrange(starts_at, ends_at) && tstzrange($3::timestamptz, $4::timestamptz)`;
    const text = `select starts_at, ends_at ${where}`;
    const params = [hospitalId, doctorId, rangeStart, rangeEnd];
    let embeddedFloor: Awaited<ReturnType<typeof measureLoop>> | null = null;
    if (deps.database.pglite) {
      const rows = (await deps.database.pglite.query(text, params)).rows.length;
      if (rows !== APPOINTMENTS) throw new Error(`baseline SELECT returned ${rows} rows, wanted ${APPOINTMENTS}`);
      const select = () => deps.database.pglite!.query(text, params);
      await measureLoop(select, 1, WARMUP_SECONDS);
      embeddedFloor = await measureLoop(select, 1, SECONDS);
    }
    // The pure computation on the same inputs, in this process.
    const busy = await withTenant(deps.database.db, hospitalId, ({ tx }) =>
      rawRows<{ s: number; e: number }>(
        tx,
        sql`select (extract(epoch from starts_at) * 1000)::float8 as s, (extract(epoch from ends_at) * 1000)::float8 as e
              from appointments where hospital_id = ${hospitalId} and doctor_id = ${doctorId}`,
      ),
    );
    const weekly = parseWeekly(WEEKLY as { day: 'monday'; start: string; end: string }[], 30);
    const appointments = busy.map((b) => ({ startMs: Number(b.s), endMs: Number(b.e) }));
    const compute = () => Promise.resolve(computeSlots({ zone: ZONE, weekly, slotMinutes: 30, bufferMinutes: 5, from, to, timeOff: [], appointments, notBeforeMs: Date.now() }));
    await measureLoop(compute, 1, WARMUP_SECONDS);
    const pure = await measureLoop(compute, 1, 2);
    const inline = (q: string) => q.replace('$1', literal(hospitalId)).replace('$2', literal(doctorId)).replace('$3', literal(rangeStart)).replace('$4', literal(rangeEnd));
    const script = inline(text) + ';\n';
    // The ladder's SELECT: the same rows and where clause, the instants as epoch ms as the API reads them (no Date parsing).
    const ladderSelect = inline(`select (extract(epoch from starts_at) * 1000)::float8 as s, (extract(epoch from ends_at) * 1000)::float8 as e ${where}`);
    // The same rows as one json_agg value, the form the API's one statement reads them in (availability.repo.ts).
    const aggSelect = `select coalesce(json_agg(json_build_array(x.s, x.e)), '[]'::json) as pairs from (${ladderSelect}) x`;
    return { ...seeded, embeddedFloor, pure, script, ladderSelect, aggSelect };
  });
  try {
    const { hospitalId, doctorId, from, to, timeOff, embeddedFloor, pure, script, ladderSelect, aggSelect } = api.seeded;
    const headers = { authorization: `Bearer ${await api.signToken(email)}` };
    const url = `${api.base}/v1/doctors/${doctorId}/availability?from=${from}&to=${to}`;
    const sample = await fetch(url, { headers });
    if (sample.status !== 200) throw new Error(`availability: ${sample.status} ${await sample.text()}`);
    const slotCount = ((await sample.json()) as { data: { slots: unknown[] } }).data.slots.length;

    const floor = pgbenchAvailable() ? await pgbench(script, { clients: CONNECTIONS, seconds: SECONDS }) : null;
    const floorRps = floor ? floor.tps : embeddedFloor!.rps;
    const floorName = floor
      ? `pgbench: the SELECT of the same ${APPOINTMENTS} rows, c=${CONNECTIONS} (p50 ${floor.p50.toFixed(2)} ms)`
      : `the SELECT of the same ${APPOINTMENTS} rows in PGlite, one connection (p50 ${embeddedFloor!.p50.toFixed(2)} ms)`;
    // What one process could serve with a whole core to itself at this CPU per request, over the floor: an upper bound a busy machine cannot move.
    const ceiling = (m: { cpuMs: number | null; count: number }) => {
      const cpu = cpuPerRequest(m).cpuMsPerRequest;
      return cpu ? `one core's ceiling ${(1000 / cpu).toFixed(0)} req/s = ${(1000 / cpu / floorRps).toFixed(3)} of the floor; ` : '';
    };
    const rungs: BenchResult[] = [];
    for (const rung of pgbenchAvailable() ? LADDER : []) {
      const server = await startBare('/floor/availability', '', {
        layers: rung.layers,
        env: { ...api.env },
        select: { text: rung.agg ? aggSelect : ladderSelect, hospitalId },
        slots: { zone: ZONE, weekly: WEEKLY, slotMinutes: 30, bufferMinutes: 5, from, to, timeOff, doctorId },
      });
      try {
        // The answer's size says the rung did the work: 500 rows, or as many slots as the API's answer.
        const answer = (await (await fetch(server.url)).json()) as unknown[] | { data: { slots: unknown[] } };
        const size = Array.isArray(answer) ? `${answer.length} rows` : `${answer.data.slots.length} slots`;
        const m = await load({ url: server.url, pid: () => server.pid, connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS });
        rungs.push(throughputResult(`floor: ${rung.label}, c=${CONNECTIONS}`, m.rps, floorName, floorRps, { p50Ms: m.p50, p99Ms: m.p99, note: `minimal server, own process; ${size}; ${ceiling(m)}${m.generator}`, ...cpuPerRequest(m) }));
      } finally {
        await server.close();
      }
    }
    if (profiling) await api.restart({ profile: true });
    const many = await api.profiled(() => load({ url, headers, pid: api.pid, connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS }));
    const one = await load({ url, headers, pid: api.pid, connections: 1, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS });
    const profile = profiling ? await api.stop() : null;
    // The same with the statement inlined and planned on every request (DB_PREPARED_READS=false), in the same run: the kept plan's worth as a ratio.
    const inlined = api.mode === 'production' ? (await api.restart({ env: { DB_PREPARED_READS: 'false' } }), await load({ url, headers, pid: api.pid, connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS })) : null;
    const note = `API ${api.mode}, own process; ${slotCount} slots; ${many.generator}`;
    const manyNote = `API ${api.mode}, own process; ${slotCount} slots; ${ceiling(many)}${many.generator}`;
    return [
      ...rungs,
      throughputResult(`GET availability, 31 days, ${APPOINTMENTS} appointments, c=${CONNECTIONS}`, many.rps, floorName, floorRps, {
        p50Ms: many.p50,
        p99Ms: many.p99,
        note: manyNote,
        ...cpuPerRequest(many),
        ...(profile ? { profile } : {}),
      }),
      ...(inlined
        ? [
            throughputResult(`GET availability, same, statement inlined (DB_PREPARED_READS=false), c=${CONNECTIONS}`, inlined.rps, floorName, floorRps, {
              p50Ms: inlined.p50,
              p99Ms: inlined.p99,
              note: `${ceiling(inlined)}prepared/inlined req/s ${(many.rps / inlined.rps).toFixed(3)}; ${inlined.generator}`,
              ...cpuPerRequest(inlined),
            }),
          ]
        : []),
      throughputResult(`GET availability, same, c=1 (single request latency)`, one.rps, floorName, floorRps, { p50Ms: one.p50, p99Ms: one.p99, note, ...cpuPerRequest(one) }),
      throughputResult('computeSlots alone (same inputs, bench process)', pure.rps, floorName, floorRps, {
        p50Ms: pure.p50,
        p99Ms: pure.p99,
        note: 'pure function: 31 local days, 500 busy ranges',
      }),
    ];
  } finally {
    await api.close();
  }
}
