import { load, type Load } from './loadgen.ts';
import { cpuPerRequest, type BenchResult, throughputResult } from './lib.ts';
import { profiling, startApi, startBare, type ApiProcess, type FloorSpec } from './processes.ts';

/**
 * Cached `GET /v1/hospitals/me` (JWT check, identity, rate limit, cache hit,
 * hooks, serialisation) against bare Fastify returning the same bytes. The
 * API, the bare twin and the load generator are three processes; the API runs
 * as `npm start` would (production mode with the service URLs set, INFO logs).
 *
 * Measured twice in the same run, with the in-process copies of identity and
 * hospital (the default) and without them (CACHE_LOCAL_MAX_ENTRIES=0: every
 * lookup asks Redis), so their share is a ratio of one run too. Embedded mode
 * has no second layer (the in-process store is one), so both rows match there.
 * A third row writes the log lines in batches (LOG_SYNC=false, pino's asynchronous destination).
 */
const CONNECTIONS = 10;
const WARMUP_SECONDS = 1;
const SECONDS = 5;

interface Variant {
  label: string;
  env: Record<string, string>;
}
/**
 * Each rung adds one layer (bench/bare-server.ts); the second shows the
 * signature check alone (AUTH_TOKEN_CACHE_SECONDS=0), the third the API's
 * auth hook, which remembers a verified token (the API's default).
 */
const LADDER: { label: string; layers: FloorSpec['layers'] }[] = [
  { label: 'bare + Redis rate-limit script', layers: ['redis'] },
  { label: 'bare + Redis + JWT verified every request', layers: ['redis', 'jwt'] },
  { label: "bare + Redis + the API's auth hook (token cache)", layers: ['redis', 'auth'] },
  { label: 'bare + Redis + auth hook + access line', layers: ['redis', 'auth', 'log'] },
];

const VARIANTS: Variant[] = [
  { label: 'cached', env: {} },
  { label: 'cached, no in-process copy', env: { CACHE_LOCAL_MAX_ENTRIES: '0' } },
  // Lines in batches instead of one write per access line (the default): its share, in the same run.
  { label: 'cached, LOG_SYNC=false', env: { LOG_SYNC: 'false' } },
];

/** Registers a hospital through the API and returns the token and the exact bytes of its `/v1/hospitals/me`. */
async function seedHospital(api: ApiProcess) {
  const token = await api.signToken(`bench-owner-${process.pid}-${Date.now()}@example.test`);
  const headers = { authorization: `Bearer ${token}` };
  const created = await fetch(`${api.base}/v1/hospitals`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bench Clinic', subdomain: `bench-${process.pid}-${Date.now().toString(36)}`, email: 'clinic@example.test', timezone: 'Europe/Berlin' }),
  });
  if (created.status !== 201) throw new Error(`registration failed: ${created.status} ${await created.text()}`);
  const me = await fetch(`${api.base}/v1/hospitals/me`, { headers });
  const body = await me.text();
  if (me.status !== 200) throw new Error(`GET /v1/hospitals/me: ${me.status} ${body}`);
  return { headers, body };
}

/** The floor ladder's rungs against the same run's bare baseline (Redis only with REDIS_URL: embedded mode counts in process). */
async function ladder(api: ApiProcess, body: string, headers: Record<string, string>, baseline: Load): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const baselineCpu = cpuPerRequest(baseline).cpuMsPerRequest;
  for (const rung of LADDER) {
    if (!api.env.REDIS_URL && rung.layers.includes('redis')) continue;
    const server = await startBare('/v1/hospitals/me', body, { layers: rung.layers, env: { ...api.env }, rateKey: `user:${process.pid}` });
    try {
      const m = await load({ url: server.url, headers, pid: () => server.pid, connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS });
      results.push(
        throughputResult(`floor: ${rung.label} (c=${CONNECTIONS})`, m.rps, `bare Fastify, same bytes (p50 ${baseline.p50.toFixed(2)} ms)`, baseline.rps, {
          p50Ms: m.p50,
          p99Ms: m.p99,
          note: `minimal server, own process; ${m.generator}`,
          ...cpuPerRequest(m),
          ...(baselineCpu === undefined ? {} : { baselineCpuMsPerRequest: baselineCpu }),
        }),
      );
    } finally {
      await server.close();
    }
  }
  return results;
}

export async function run(): Promise<BenchResult[]> {
  let baseline: Load | null = null;
  let bytes = 0;
  const results: BenchResult[] = [];
  for (const variant of VARIANTS) {
    // Measure the limiter's work, not its refusals.
    const api = await startApi({ RATE_LIMIT_MAX: '1000000000', ...variant.env });
    try {
      const { headers, body } = await seedHospital(api);
      if (!baseline) {
        bytes = Buffer.byteLength(body);
        const bare = await startBare('/v1/hospitals/me', body);
        try {
          baseline = await load({ url: bare.url, pid: () => bare.pid, connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS });
        } finally {
          await bare.close();
        }
        results.push(...(await ladder(api, body, headers, baseline)));
      }
      if (profiling) await api.restart({ profile: true });
      const url = `${api.base}/v1/hospitals/me`;
      const tempus = await api.profiled(() => load({ url, headers, pid: api.pid, connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS }));
      const profile = profiling ? await api.stop() : null;
      const baselineCpu = cpuPerRequest(baseline).cpuMsPerRequest;
      results.push(
        throughputResult(`GET /v1/hospitals/me (${variant.label}, c=${CONNECTIONS})`, tempus.rps, `bare Fastify, same ${bytes} bytes, own process (p50 ${baseline.p50.toFixed(2)} ms)`, baseline.rps, {
          p50Ms: tempus.p50,
          p99Ms: tempus.p99,
          note: `API ${api.mode}, own process; ${tempus.generator}`,
          ...cpuPerRequest(tempus),
          ...(baselineCpu === undefined ? {} : { baselineCpuMsPerRequest: baselineCpu }),
          ...(profile ? { profile } : {}),
        }),
      );
    } finally {
      await api.close();
    }
  }
  return results;
}
