import { load } from './loadgen.ts';
import { cpuPerRequest, type BenchResult, throughputResult } from './lib.ts';
import { profiling, startApi, startBare } from './processes.ts';

/**
 * Cached `GET /v1/hospitals/me` (JWT check, identity, rate limit, cache hit,
 * hooks, serialisation) against bare Fastify returning the same bytes. The
 * API, the bare twin and the load generator are three processes; the API runs
 * as `npm start` would (production mode with the service URLs set, INFO logs).
 */
const CONNECTIONS = 10;
const WARMUP_SECONDS = 1;
const SECONDS = 5;

export async function run(): Promise<BenchResult[]> {
  // Measure the limiter's work, not its refusals.
  const api = await startApi({ RATE_LIMIT_MAX: '1000000000' });
  try {
    const token = await api.signToken(`bench-owner-${process.pid}-${Date.now()}@example.test`);
    const headers = { authorization: `Bearer ${token}` };
    const created = await fetch(`${api.base}/v1/hospitals`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench Clinic', subdomain: `bench-${process.pid}-${Date.now().toString(36)}`, email: 'clinic@example.test', timezone: 'Europe/Berlin' }),
    });
    if (created.status !== 201) throw new Error(`registration failed: ${created.status} ${await created.text()}`);
    const url = `${api.base}/v1/hospitals/me`;
    const me = await fetch(url, { headers });
    const body = await me.text();
    if (me.status !== 200) throw new Error(`GET /v1/hospitals/me: ${me.status} ${body}`);

    const bare = await startBare('/v1/hospitals/me', body);
    let baseline;
    try {
      baseline = await load({ url: bare.url, pid: () => bare.pid, connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS });
    } finally {
      await bare.close();
    }
    if (profiling) await api.restart({ profile: true });
    const tempus = await api.profiled(() => load({ url, headers, pid: api.pid, connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS }));
    const profile = profiling ? await api.stop() : null;
    return [
      throughputResult(`GET /v1/hospitals/me (cached, c=${CONNECTIONS})`, tempus.rps, `bare Fastify, same ${Buffer.byteLength(body)} bytes, own process (p50 ${baseline.p50.toFixed(2)} ms)`, baseline.rps, {
        p50Ms: tempus.p50,
        p99Ms: tempus.p99,
        note: `API ${api.mode}, own process; ${tempus.generator}`,
        ...cpuPerRequest(tempus),
        ...(cpuPerRequest(baseline).cpuMsPerRequest === undefined ? {} : { baselineCpuMsPerRequest: cpuPerRequest(baseline).cpuMsPerRequest }),
        ...(profile ? { profile } : {}),
      }),
    ];
  } finally {
    await api.close();
  }
}
