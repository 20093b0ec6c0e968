import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { Temporal } from 'temporal-polyfill';
import { rawRows } from '../src/infra/db/client.ts';
import { withTenant } from '../src/infra/db/tenant.ts';
import { cpuPerRequest, measureLoop, throughputResult, type BenchResult, type BenchDeps } from './lib.ts';
import { load } from './loadgen.ts';
import { profiling, startApi, type ApiProcess } from './processes.ts';
import { injector, unlimitedPlan } from './seed.ts';

/**
 * Visit types (SPEC section 14), in one run on one machine:
 *
 * 1. `GET /v1/visit-types/:id/availability` over 31 days across 5 doctors
 *    and 3 rooms with 500 bookings in the month (each holding a room),
 *    against the floor of bench/availability.bench.ts — one indexed SELECT
 *    of 500 appointments — and against one doctor's plain availability over
 *    the same data and window (the doctor-only figure);
 * 2. concurrent `POST /v1/appointments` of a type that needs a room
 *    (assignment under the lock, the resource exclusion constraint) against
 *    concurrent doctor-only bookings in the same hospital.
 *
 * The API runs as its own process and the GETs are driven by the load
 * generator in another (bench/loadgen.ts: wrk when installed), as in
 * bench/availability.bench.ts: the visit-type answer is five times the bytes
 * of one doctor's, and a load generator sharing the API's event loop charged
 * its own parsing of them to the API. `--profile` profiles each GET's
 * measurement separately.
 *
 * Bounded: a warm-up second and SECONDS per measurement.
 */
const CONNECTIONS = 10;
const WARMUP_SECONDS = 1;
const SECONDS = 4;
const BOOKINGS = 500;
const DOCTORS = 5;
const ROOMS = 3;
const ZONE = 'Europe/Berlin';

/** The hospital, 5 doctors working 08:00–20:00 every day, 3 rooms, two visit types needing a room, 500 bookings each holding a doctor and a room. */
async function seed(bench: BenchDeps, app: FastifyInstance, headers: Record<string, string>) {
  const { deps } = bench;
  const setup = injector(app, headers);
  const hospital = await setup('POST', '/v1/hospitals', { name: 'Bench Clinic', subdomain: `bench-vt-${randomUUID().slice(0, 12)}`, email: 'clinic@example.test', timezone: ZONE });
  await unlimitedPlan(deps, hospital.id);
  await setup('PATCH', '/v1/hospitals/me/settings', { bookingHorizonDays: 730, minimumNoticeMinutes: 0 });
  const weekly = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => ({ day, start: '08:00', end: '20:00' }));
  const doctors: string[] = [];
  for (let i = 0; i < DOCTORS; i++) {
    const doctor = await setup('POST', '/v1/doctors', { name: `Dr. Bench ${i}`, email: `doc${i}-${process.pid}@example.test`, slotMinutes: 30 });
    await setup('PUT', `/v1/doctors/${doctor.id}/schedule`, { weekly, slotMinutes: 30 });
    doctors.push(doctor.id);
  }
  const rooms: string[] = [];
  for (let r = 0; r < ROOMS; r++) rooms.push((await setup('POST', '/v1/resources', { name: `Room ${r + 1}`, kind: 'exam-room' })).id);
  const vt = await setup('POST', '/v1/visit-types', { name: 'Consultation', durationMinutes: 30, bufferAfterMinutes: 5, doctorIds: doctors, requires: ['exam-room'] });
  const quick = await setup('POST', '/v1/visit-types', { name: 'Quick check', durationMinutes: 5, doctorIds: doctors, requires: ['exam-room'] });
  const patient = await setup('POST', '/v1/patients', { name: 'Booking Patient' });

  // 500 bookings over the 31 days: at each half hour up to three at once, each doctor and room once.
  const from = Temporal.Now.plainDateISO(ZONE).add({ days: 2 });
  const to = from.add({ days: 30 });
  const rows: { start: string; doctor: string; room: string }[] = [];
  for (let k = 0; rows.length < BOOKINGS; k++) {
    const [d, s, r] = [Math.floor(k / 72) % 31, Math.floor(k / 3) % 24, k % 3];
    if (k % 4 !== 0) continue;
    const start = from.add({ days: d }).toPlainDateTime({ hour: 8 + Math.floor(s / 2), minute: (s % 2) * 30 }).toZonedDateTime(ZONE).toInstant().toString();
    rows.push({ start, doctor: doctors[(s + r) % DOCTORS]!, room: rooms[r]! });
  }
  await withTenant(deps.database.db, hospital.id, async ({ tx }) => {
    const [owner] = await rawRows<{ id: string }>(tx, sql`insert into patients (hospital_id, name) values (${hospital.id}, 'Bench Patient') returning id`);
    const list = (values: string[]) => `{${values.join(',')}}`;
    await tx.execute(sql`
      with input as (select * from unnest(${list(rows.map((r) => r.start))}::timestamptz[], ${list(rows.map((r) => r.doctor))}::uuid[], ${list(rows.map((r) => r.room))}::uuid[]) as t(s, doctor, room)),
           booked as (insert into appointments (hospital_id, doctor_id, patient_id, starts_at, ends_at, status, visit_type_id, buffer_after_minutes)
                      select ${hospital.id}::uuid, doctor, ${owner!.id}::uuid, s, s + interval '25 minutes', 'scheduled', ${vt.id}::uuid, 5 from input
                      returning id, starts_at, ends_at, doctor_id)
      insert into resource_bookings (hospital_id, appointment_id, resource_id, starts_at, ends_at)
      select ${hospital.id}::uuid, b.id, i.room, b.starts_at, b.ends_at + interval '5 minutes' from booked b join input i on i.s = b.starts_at and i.doctor = b.doctor_id`);
    await tx.execute(sql`analyze appointments`);
    await tx.execute(sql`analyze resource_bookings`);
  });

  // The floor, as in availability.bench.ts: 500 appointment rows through the exclusion constraint's index.
  const rangeStart = from.toZonedDateTime({ timeZone: ZONE }).toInstant().toString();
  const rangeEnd = to.add({ days: 1 }).toZonedDateTime({ timeZone: ZONE }).toInstant().toString();
  const floor = { text: `select starts_at, ends_at from appointments
                          where hospital_id = $1 and status = 'scheduled'
                            and tstzrange(starts_at, ends_at) && tstzrange($2::timestamptz, $3::timestamptz)`, params: [hospital.id, rangeStart, rangeEnd] };
  // PGlite admits one process: its floor is measured here, before the API process opens the data directory.
  let embeddedFloor: Awaited<ReturnType<typeof measureLoop>> | null = null;
  if (deps.database.pglite) {
    const select = () => deps.database.pglite!.query(floor.text, floor.params);
    await measureLoop(select, 1, WARMUP_SECONDS);
    embeddedFloor = await measureLoop(select, 1, SECONDS);
  }
  return { doctors, vt: vt.id, quick: quick.id, patient: patient.id, from, to, floor, embeddedFloor };
}

export async function run(): Promise<BenchResult[]> {
  const email = `bench-vt-${process.pid}-${Date.now()}@example.test`;
  const api: ApiProcess & { seeded: Awaited<ReturnType<typeof seed>> } = await startApi({ RATE_LIMIT_ENABLED: 'false', DB_POOL_MAX: String(CONNECTIONS) }, async ({ bench, app, signToken }) =>
    seed(bench, app, { authorization: `Bearer ${await signToken(email)}` }),
  );
  const { doctors, vt, quick, patient, from, to, floor: floorQuery, embeddedFloor } = api.seeded;
  const pool = process.env.DATABASE_URL && api.mode === 'production' ? new pg.Pool({ connectionString: process.env.DATABASE_URL, max: CONNECTIONS }) : null;
  try {
    const headers = { authorization: `Bearer ${await api.signToken(email)}` };
    const floor = pool
      ? await (async () => {
          const select = () => pool.query(floorQuery.text, floorQuery.params);
          await measureLoop(select, CONNECTIONS, WARMUP_SECONDS);
          return measureLoop(select, CONNECTIONS, SECONDS);
        })()
      : embeddedFloor!;

    // The same window and data for both answers: the type's five doctors, and the first of them alone.
    const typeUrl = `${api.base}/v1/visit-types/${vt}/availability?from=${from}&to=${to}`;
    const doctorUrl = `${api.base}/v1/doctors/${doctors[0]}/availability?from=${from}&to=${to}`;
    const size = async (url: string) => {
      const res = await fetch(url, { headers });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${url}: ${res.status} ${text}`);
      return { slots: (JSON.parse(text) as { data: { slots: unknown[] } }).data.slots.length, bytes: Buffer.byteLength(text) };
    };
    const typeSize = await size(typeUrl);
    const doctorSize = await size(doctorUrl);
    // Under --profile each GET runs in a fresh profiled process, so each profile holds one answer's load.
    const measureGet = async (url: string) => {
      if (profiling) await api.restart({ profile: true });
      const measured = await api.profiled(() => load({ url, headers, pid: api.pid, connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS }));
      const profile = profiling ? await api.stop() : null;
      return { measured, profile };
    };
    const byType = await measureGet(typeUrl);
    const doctorOnly = await measureGet(doctorUrl);
    if (profiling) await api.restart();

    // Bookings: every request a distinct time (5-minute steps), doctors in turn; with the type each takes a room.
    const startOf = (i: number, offsetDays: number) => {
      const perDay = (12 * 60) / 5;
      const date = from.add({ days: 60 + offsetDays + Math.floor(i / perDay) });
      const minute = 8 * 60 + (i % perDay) * 5;
      return date.toZonedDateTime({ timeZone: ZONE, plainTime: new Temporal.PlainTime(Math.floor(minute / 60), minute % 60) }).toInstant().toString();
    };
    const statuses = new Map<string, number>();
    const bookingLoop = (offsetDays: number, body: (i: number) => Record<string, unknown>) => {
      let n = 0;
      return async () => {
        const i = n++;
        const res = await fetch(`${api.base}/v1/appointments`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ patientId: patient, doctorId: doctors[i % DOCTORS], start: startOf(i, offsetDays), ...body(i) }),
        });
        await res.arrayBuffer();
        statuses.set(String(res.status), (statuses.get(String(res.status)) ?? 0) + 1);
      };
    };
    const plain = bookingLoop(0, () => ({ durationMinutes: 5 }));
    const withRoom = bookingLoop(30, () => ({ visitTypeId: quick }));
    await measureLoop(plain, CONNECTIONS, WARMUP_SECONDS);
    await measureLoop(withRoom, CONNECTIONS, WARMUP_SECONDS);
    const plainBookings = await measureLoop(plain, CONNECTIONS, SECONDS);
    const roomBookings = await measureLoop(withRoom, CONNECTIONS, SECONDS);
    if ([...statuses.keys()].some((s) => s !== '201')) throw new Error(`bookings: unexpected statuses ${JSON.stringify([...statuses])}`);

    const type = byType.measured;
    const doctor = doctorOnly.measured;
    const floorName = `one indexed SELECT of the ${BOOKINGS} appointments (${pool ? 'pg' : 'PGlite'}, p50 ${floor.p50.toFixed(2)} ms)`;
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} kB`;
    const note = `API ${api.mode}, own process; ${type.generator}; ${DOCTORS} doctors, ${ROOMS} rooms, ${BOOKINGS} bookings; ${typeSize.slots} slots, ${kb(typeSize.bytes)}`;
    const doctorCpu = cpuPerRequest(doctor).cpuMsPerRequest;
    return [
      throughputResult(`GET visit-type availability, 31 days, ${DOCTORS} doctors x ${ROOMS} rooms`, type.rps, floorName, floor.rps, {
        p50Ms: type.p50,
        p99Ms: type.p99,
        note,
        ...cpuPerRequest(type),
        ...(byType.profile ? { profile: byType.profile } : {}),
      }),
      throughputResult('GET visit-type availability vs one doctor', type.rps, "GET one doctor's availability, same data, window and run", doctor.rps, {
        p50Ms: doctor.p50,
        p99Ms: doctor.p99,
        note: `p50/p99 are the doctor-only figures; one doctor: ${doctorSize.slots} slots, ${kb(doctorSize.bytes)}; cpu ratio = one doctor's API CPU per request / the type's`,
        ...cpuPerRequest(type),
        ...(doctorCpu === undefined ? {} : { baselineCpuMsPerRequest: doctorCpu }),
        ...(doctorOnly.profile ? { profile: doctorOnly.profile } : {}),
      }),
      throughputResult(`POST /v1/appointments needing a room (c=${CONNECTIONS})`, roomBookings.rps, 'doctor-only bookings, same hospital and run', plainBookings.rps, {
        p50Ms: roomBookings.p50,
        p99Ms: roomBookings.p99,
        note: `API ${api.mode}; ${roomBookings.count} with a room, ${plainBookings.count} doctor-only (p50 ${plainBookings.p50.toFixed(2)} ms)`,
      }),
    ];
  } finally {
    await api.close();
    await pool?.end();
  }
}
