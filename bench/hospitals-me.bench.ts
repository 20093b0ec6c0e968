import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pino from 'pino';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createDeps } from '../src/deps.ts';
import { throughputResult, type BenchResult } from './lib.ts';

/**
 * Cached `GET /v1/hospitals/me` (JWT verification, membership lookup, rate
 * limit, cache hit, serialisation) against a bare Fastify route returning the
 * same JSON, both over loopback sockets in this process, measured back to back.
 * Twice: as configured by default (the membership is read from PostgreSQL on
 * every request) and with IDENTITY_CACHE_TTL_SECONDS=30.
 *
 * Adapters follow the environment: embedded by default; with DATABASE_URL and
 * REDIS_URL set, the real PostgreSQL and Redis.
 */
const CONNECTIONS = 10;
const WARMUP_SECONDS = 1;
const SECONDS = 4;

async function measure(url: string, headers: Record<string, string> = {}) {
  await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_SECONDS, headers });
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

export async function run(): Promise<BenchResult[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tempus-bench-'));
  const env = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    // Measure the limiter's work, not its refusals.
    RATE_LIMIT_MAX: '1000000000',
    REDIS_KEY_PREFIX: `tempus-bench-${process.pid}:`,
    IDENTITY_CACHE_TTL_SECONDS: '0',
  };
  const config = loadConfig(env);
  const deps = await createDeps(config, pino({ level: 'silent' }));
  const app = await buildApp(deps);
  // Same database and store, identity cache on.
  const withIdentityCache = await buildApp({ ...deps, config: loadConfig({ ...env, IDENTITY_CACHE_TTL_SECONDS: '30' }) });
  const bare = Fastify({ logger: false });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    await withIdentityCache.listen({ port: 0, host: '127.0.0.1' });
    const email = `bench-owner-${process.pid}@example.test`;
    const token = deps.auth.localIssuer ? await deps.auth.localIssuer.sign({ email }) : null;
    if (!token) throw new Error('the benchmark signs its own tokens: run it without SUPABASE_URL/SUPABASE_JWT_SECRET');
    const headers = { authorization: `Bearer ${token}` };
    const created = await app.inject({
      method: 'POST',
      url: '/v1/hospitals',
      headers,
      payload: { name: 'Bench Clinic', subdomain: `bench-${process.pid}-${Date.now().toString(36)}`, email: 'clinic@example.test', timezone: 'Europe/Berlin' },
    });
    if (created.statusCode !== 201) throw new Error(`registration failed: ${created.statusCode} ${created.body}`);
    const me = await app.inject({ method: 'GET', url: '/v1/hospitals/me', headers });
    const body = me.json() as unknown;

    bare.get('/v1/hospitals/me', async () => body);
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const bareUrl = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}/v1/hospitals/me`;
    const urlOf = (server: typeof app) => `http://127.0.0.1:${(server.server.address() as AddressInfo).port}/v1/hospitals/me`;

    const baseline = await measure(bareUrl);
    const tempus = await measure(urlOf(app), headers);
    const hospitalFamily = () => deps.cache.stats.byFamily['hospital'] ?? { hits: 0, misses: 0 };
    const first = { ...hospitalFamily() };
    const identityCached = await measure(urlOf(withIdentityCache), headers);
    const adapters = `${config.adapters.database}+${config.adapters.cache}`;
    return [
      throughputResult('GET /v1/hospitals/me (cached)', tempus.rps, 'bare Fastify, same JSON', baseline.rps, {
        p50Ms: tempus.p50,
        p99Ms: tempus.p99,
        note: `${adapters}; membership query per request; hospital cache hits ${first.hits}, misses ${first.misses}`,
      }),
      throughputResult('GET /v1/hospitals/me (cached, identity cache 30 s)', identityCached.rps, 'bare Fastify, same JSON', baseline.rps, {
        p50Ms: identityCached.p50,
        p99Ms: identityCached.p99,
        note: `${adapters}; IDENTITY_CACHE_TTL_SECONDS=30`,
      }),
    ];
  } finally {
    await bare.close();
    await withIdentityCache.close();
    await app.close();
    await deps.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
