import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startCluster, type Cluster } from '../test/cluster/cluster.ts';
import { setUpHospital, slotAt, type ClusterHospital } from '../test/cluster/fixtures.ts';
import { call } from '../test/cluster/http.ts';
import { startTopology, type Topology } from '../test/cluster/topology/index.ts';
import { measureHttp, measureLoop, throughputResult, type BenchResult } from './lib.ts';

/**
 * PgBouncer in transaction mode against direct connections (SPEC section 17):
 * 4 API processes (real `src/server.ts`, NODE_ENV=production, DB_POOL_MAX 10
 * each) on a primary of our own (initdb, durable settings), once with
 * DATABASE_URL through PgBouncer (POOL_SIZE server connections) and once
 * straight to PostgreSQL, measured back to back in one run:
 *
 * - bookings/s: POST /v1/appointments into distinct free slots of HOSPITALS
 *   hospitals (one hospital's bookings are serialised by its subscription
 *   lock; a platform has many), CONCURRENCY in flight over the 4 APIs;
 * - availability req/s: GET a doctor's 7-day availability over the 4 APIs
 *   (autocannon, 4 × CONNECTIONS);
 * - server connections: the most backends the run's database had at once
 *   (pg_stat_activity, sampled every 50 ms), i.e. what max_connections must hold.
 *
 * Needs the machine's RabbitMQ and Redis (DATABASE_URL, REDIS_URL, RABBITMQ_URL
 * as for the cluster suites); no workers run, the outbox just fills.
 */
const APIS = 4;
const POOL_SIZE = 10;
const HOSPITALS = 8;
const CONCURRENCY = 32;
const CONNECTIONS = 8;
const SECONDS = 5;

interface Measurement {
  bookingsPerSecond: number;
  bookingP50: number;
  bookingP99: number;
  bookings: number;
  availabilityPerSecond: number;
  availabilityP50: number;
  availabilityP99: number;
  maxServerConnections: number;
}

/** The most backends (client connections to PostgreSQL) of `database` at once while `during` runs. */
async function peakBackends<T>(primaryUrl: string, database: string, during: () => Promise<T>): Promise<{ result: T; peak: number }> {
  const client = new pg.Client({ connectionString: primaryUrl });
  await client.connect();
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const { rows } = await client.query<{ n: number }>(
        // Tempus' own backends (PgBouncer passes the client's application_name on), not the harness's SQL pool or this sampler.
        "select count(*)::int as n from pg_stat_activity where datname = $1 and backend_type = 'client backend' and application_name = 'tempus'",
        [database],
      );
      peak = Math.max(peak, rows[0]!.n);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    const result = await during();
    return { result, peak };
  } finally {
    sampling = false;
    await sampler;
    await client.end();
  }
}

/** Every hospital on a plan without a practical monthly limit (the limit is checked, never reached). */
async function unlimited(cluster: Cluster, hospitals: ClusterHospital[]): Promise<void> {
  const code = `bench-${randomUUID().slice(0, 8)}`;
  await cluster.sql.query(
    `insert into subscription_plans (code, name, price_cents, currency, interval, max_doctors, max_appointments_per_month, sms_enabled, trial_days, is_default, active)
     values ($1, 'Bench', 0, 'USD', 'month', 100, 100000000, false, 0, false, false)`,
    [code],
  );
  await cluster.sql.query('update hospital_subscriptions set plan_id = (select id from subscription_plans where code = $1) where hospital_id = any($2::uuid[])', [
    code,
    hospitals.map((h) => h.id),
  ]);
}

async function measure(topology: Topology, direct: boolean): Promise<Measurement> {
  const name = direct ? 'bench-direct' : 'bench-pgbouncer';
  const cluster = await startCluster({ name, topology, direct, apis: APIS, workers: 0, env: { RATE_LIMIT_ENABLED: 'false', DB_POOL_MAX: '10' } });
  try {
    const database = new URL(cluster.env.DATABASE_DIRECT_URL!).pathname.slice(1);
    const hospitals = await Promise.all(Array.from({ length: HOSPITALS }, (_, i) => setUpHospital(cluster, { doctors: 1, patients: 1, name: `Bench ${i}` })));
    await unlimited(cluster, hospitals);
    const apis = cluster.liveApis();
    let n = 0;
    const bookOne = async () => {
      const i = n++;
      const h = hospitals[i % HOSPITALS]!;
      // Hospital i mod H, slot i div H: every booking a free 5-minute slot of its hospital's doctor.
      const res = await call(apis[i % APIS]!, 'POST', '/v1/appointments', {
        token: h.token,
        timeoutMs: 30_000,
        body: { doctorId: h.doctorIds[0]!, patientId: h.patients[0]!.id, start: slotAt(2, Math.floor(i / HOSPITALS) * 5), durationMinutes: 5 },
      });
      if (res.status !== 201) throw new Error(`booking ${i}: ${res.status} ${res.error ?? JSON.stringify(res.body)}`);
    };
    await measureLoop(bookOne, CONCURRENCY, 1);
    const { result: bookings, peak: bookingPeak } = await peakBackends(topology.primary.url(), database, () => measureLoop(bookOne, CONCURRENCY, SECONDS));

    const day = slotAt(2, 0).slice(0, 10);
    const to = slotAt(8, 0).slice(0, 10);
    const { result: availability, peak: availabilityPeak } = await peakBackends(topology.primary.url(), database, async () => {
      const runs = await Promise.all(
        apis.map((api, i) => {
          const h = hospitals[i % HOSPITALS]!;
          return measureHttp(`${api}/v1/doctors/${h.doctorIds[0]}/availability?from=${day}&to=${to}`, { authorization: `Bearer ${h.token}` }, { connections: CONNECTIONS, seconds: SECONDS });
        }),
      );
      return { rps: runs.reduce((a, r) => a + r.rps, 0), p50: Math.max(...runs.map((r) => r.p50)), p99: Math.max(...runs.map((r) => r.p99)) };
    });
    return {
      bookingsPerSecond: bookings.rps,
      bookingP50: bookings.p50,
      bookingP99: bookings.p99,
      bookings: bookings.count,
      availabilityPerSecond: availability.rps,
      availabilityP50: availability.p50,
      availabilityP99: availability.p99,
      maxServerConnections: Math.max(bookingPeak, availabilityPeak),
    };
  } finally {
    await cluster.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  const topology = await startTopology({ name: 'bench-scale', pgbouncer: { poolSize: POOL_SIZE }, postgres: { durable: true } });
  try {
    const direct = await measure(topology, true);
    const pooled = await measure(topology, false);
    const setup = `${APIS} APIs x DB_POOL_MAX 10; PgBouncer default_pool_size ${POOL_SIZE}`;
    return [
      throughputResult(`POST /v1/appointments via PgBouncer, ${HOSPITALS} hospitals (c=${CONCURRENCY})`, pooled.bookingsPerSecond, 'direct connections, same load', direct.bookingsPerSecond, {
        p50Ms: pooled.bookingP50,
        p99Ms: pooled.bookingP99,
        note: `${setup}; ${pooled.bookings} bookings; direct p50 ${direct.bookingP50.toFixed(1)} ms, p99 ${direct.bookingP99.toFixed(1)} ms`,
      }),
      throughputResult(`GET availability (7 days) via PgBouncer (${APIS} x ${CONNECTIONS} connections)`, pooled.availabilityPerSecond, 'direct connections, same load', direct.availabilityPerSecond, {
        p50Ms: pooled.availabilityP50,
        p99Ms: pooled.availabilityP99,
        note: `direct p50 ${direct.availabilityP50.toFixed(1)} ms, p99 ${direct.availabilityP99.toFixed(1)} ms`,
      }),
      {
        name: 'PostgreSQL server connections (peak) via PgBouncer',
        value: pooled.maxServerConnections,
        unit: 'connections',
        baselineName: 'direct connections',
        baselineValue: direct.maxServerConnections,
        // Fewer is better: baseline / value.
        ratio: direct.maxServerConnections / pooled.maxServerConnections,
        note: 'backends of the run\'s database in pg_stat_activity, sampled every 50 ms during both phases',
      },
    ];
  } finally {
    await topology.close();
  }
}
