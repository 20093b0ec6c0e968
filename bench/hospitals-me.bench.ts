import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { buildApp } from '../src/app.ts';
import { measureHttp, startBenchDeps, throughputResult, type BenchResult } from './lib.ts';

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
export async function run(): Promise<BenchResult[]> {
  const env = {
    // Measure the limiter's work, not its refusals.
    RATE_LIMIT_MAX: '1000000000',
    IDENTITY_CACHE_TTL_SECONDS: '0',
  };
  const bench = await startBenchDeps(env);
  const { config, deps } = bench;
  const app = await buildApp(deps);
  // Same database and store, identity cache on.
  const withIdentityCache = await buildApp({ ...deps, config: { ...config, env: { ...config.env, IDENTITY_CACHE_TTL_SECONDS: 30 } } });
  const bare = Fastify({ logger: false });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    await withIdentityCache.listen({ port: 0, host: '127.0.0.1' });
    const token = await bench.signToken(`bench-owner-${process.pid}@example.test`);
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

    const baseline = await measureHttp(bareUrl, {});
    const tempus = await measureHttp(urlOf(app), headers);
    const hospitalFamily = () => deps.cache.stats.byFamily['hospital'] ?? { hits: 0, misses: 0 };
    const first = { ...hospitalFamily() };
    const identityCached = await measureHttp(urlOf(withIdentityCache), headers);
    const adapters = `${config.adapters.database}+${config.adapters.cache}`;
    return [
      throughputResult('GET /v1/hospitals/me (cached, identity cache off)', tempus.rps, 'bare Fastify, same JSON', baseline.rps, {
        p50Ms: tempus.p50,
        p99Ms: tempus.p99,
        note: `${adapters}; membership query per request; hospital cache hits ${first.hits}, misses ${first.misses}`,
      }),
      throughputResult('GET /v1/hospitals/me (cached, identity cache 30 s = default)', identityCached.rps, 'bare Fastify, same JSON', baseline.rps, {
        p50Ms: identityCached.p50,
        p99Ms: identityCached.p99,
        note: `${adapters}; IDENTITY_CACHE_TTL_SECONDS=30`,
      }),
    ];
  } finally {
    await bare.close();
    await withIdentityCache.close();
    await app.close();
    await bench.close();
  }
}
