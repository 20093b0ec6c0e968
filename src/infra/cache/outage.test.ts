import net from 'node:net';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { registerHospital } from '../../../test/helpers/factories.ts';
import { onServices, serviceUrls } from '../../../test/helpers/target.ts';
import { startTcpProxy, viaProxy, type TcpProxy } from '../../../test/helpers/tcp-proxy.ts';
import { rawRows } from '../db/client.ts';
import { createRedisStore } from './redis-store.ts';
import { CacheUnavailableError } from './store.ts';

/**
 * Redis made unreachable for this app only (a TCP proxy in front of the shared
 * Redis is cut; Redis itself keeps running for every other suite). Embedded
 * mode has no Redis to lose, so this runs on the services target.
 */
describe.runIf(onServices)('Redis outage', () => {
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    const redisUrl = serviceUrls().REDIS_URL;
    if (!redisUrl) throw new Error('REDIS_URL must be set on the services target');
    const target = new URL(redisUrl);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    t = await createTestApp({
      env: {
        REDIS_URL: viaProxy(redisUrl, proxy),
        REDIS_BREAKER_THRESHOLD: '3',
        REDIS_BREAKER_HALF_OPEN_MS: '250',
        REDIS_COMMAND_TIMEOUT_MS: '250',
        REDIS_RECONNECT_MAX_DELAY_MS: '100',
        OTP_REQUEST_INTERVAL_SECONDS: '0',
      },
    });
  });
  afterAll(async () => {
    proxy?.restore();
    await t?.close();
    await proxy?.close();
  });

  const health = async () => (await t.app.inject({ method: 'GET', url: '/health' })).json();
  const eventually = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 200; i++) {
      if (await check()) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return false;
  };

  it('serves reads from PostgreSQL, fails OTP closed, fails rate limits open, and heals by itself', async () => {
    const h = await registerHospital(t);
    const get = (url = '/v1/hospitals/me') => t.app.inject({ method: 'GET', url, headers: h.auth });
    expect((await get()).statusCode).toBe(200);
    expect((await get('/v1/hospitals/me/settings')).json().data.bookingHorizonDays).toBe(90); // cached now
    expect((await health()).checks.redis).toMatchObject({ status: 'up', adapter: 'redis', circuit: 'closed' });
    // A code issued before the outage, used after it.
    expect((await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/otp', headers: h.auth })).statusCode).toBe(202);
    const [row] = await rawRows<{ payload: { data: { code: string } } }>(
      t.deps.database.db,
      sql`select payload from outbox where hospital_id = ${h.id} and payload->>'template' = 'otp'`,
    );
    const code = row!.payload.data.code;

    // The hospital and the identity are copied in process too (no Redis read of their own)...
    expect((await get()).statusCode).toBe(200);
    const localHits = t.deps.cache.stats.localHits;
    expect((await get()).statusCode).toBe(200);
    expect(t.deps.cache.stats.localHits).toBeGreaterThan(localHits);

    proxy.cut();

    // Reads keep answering from the database while the breaker opens; without Redis there is no
    // fence (nothing says whether another process invalidated meanwhile), so the copies are not used.
    const localHitsBeforeCut = t.deps.cache.stats.localHits;
    for (let i = 0; i < 6; i++) {
      const res = await get();
      expect(res.statusCode).toBe(200);
      expect(res.json().data.id).toBe(h.id);
    }
    expect(t.deps.cache.stats.localHits).toBe(localHitsBeforeCut);
    expect(t.deps.cache.store.circuitState()).toBe('open');
    const down = await t.app.inject({ method: 'GET', url: '/health' });
    expect(down.statusCode).toBe(200);
    expect(down.json().status).toBe('degraded');
    expect(down.json().checks.redis).toMatchObject({ status: 'down', adapter: 'redis', circuit: 'open' });

    // OTP fails closed.
    const otp = await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/otp', headers: h.auth });
    expect(otp.statusCode).toBe(503);
    expect(otp.json().code).toBe('SERVICE_UNAVAILABLE');
    expect(otp.headers['retry-after']).toBeDefined();
    const update = await t.app.inject({ method: 'PATCH', url: '/v1/hospitals/me', headers: h.auth, payload: { otp: code, name: 'During outage' } });
    expect(update.statusCode).toBe(503);
    expect(update.json().code).toBe('SERVICE_UNAVAILABLE');

    // Writes go through; the cache entries they would delete (the hospital, and its published slots,
    // which the booking horizon bounds) are remembered and bypassed.
    const settings = await t.app.inject({ method: 'PATCH', url: '/v1/hospitals/me/settings', headers: h.auth, payload: { bookingHorizonDays: 30 } });
    expect(settings.statusCode).toBe(200);
    expect([...t.deps.cache.pendingInvalidations()].sort()).toEqual([`hospital:${h.id}`, `publish:${h.id}`]);
    expect((await get('/v1/hospitals/me/settings')).json().data.bookingHorizonDays).toBe(30);

    proxy.restore();

    // Nobody intervenes: reconnection, the breaker's half-open trial (here: health probes) and the deferred deletion.
    expect(
      await eventually(async () => {
        const report = await health();
        return report.checks.redis.status === 'up' && report.checks.redis.circuit === 'closed';
      }),
    ).toBe(true);
    expect(await eventually(async () => t.deps.cache.pendingInvalidations().length === 0)).toBe(true);
    expect((await health()).status).toBe('ok');
    // The value cached before the outage is gone: the new settings show.
    expect((await get('/v1/hospitals/me/settings')).json().data.bookingHorizonDays).toBe(30);
    expect((await get('/v1/hospitals/me/settings')).json().data.bookingHorizonDays).toBe(30);

    // OTP works again, with the code issued before the outage.
    const renamed = await t.app.inject({ method: 'PATCH', url: '/v1/hospitals/me', headers: h.auth, payload: { otp: code, name: 'After outage' } });
    expect(renamed.statusCode).toBe(200);
    expect((await get()).json().data.name).toBe('After outage');
    expect((await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/otp', headers: h.auth })).statusCode).toBe(202);
    // Rate limiting counts again (it let requests through while Redis was away).
    expect(Number((await get()).headers['ratelimit-remaining'])).toBeLessThan(t.config.env.RATE_LIMIT_MAX - 1);
  });

  it('times out commands on a connection that stops answering, opens the breaker, replaces the connection and closes again', async () => {
    // A proxy that can freeze the connections it has (bytes in, nothing out, no
    // close: a black-holed connection) while new connections work.
    const target = new URL(serviceUrls().REDIS_URL!);
    const sockets = new Set<net.Socket>();
    const frozen = new WeakSet<net.Socket>();
    const current = new Set<net.Socket>();
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      sockets.add(client).add(upstream);
      current.add(client);
      client.on('data', (chunk) => {
        if (!frozen.has(client)) upstream.write(chunk);
      });
      upstream.on('data', (chunk) => client.write(chunk));
      const end = () => {
        client.destroy();
        upstream.destroy();
        current.delete(client);
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const store = await createRedisStore({
      url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
      prefix: `tempus-test-stall-${process.pid}:`,
      commandTimeoutMs: 100,
      connectTimeoutMs: 2_000,
      reconnectMaxDelayMs: 50,
      retryAttempts: 1,
      breakerThreshold: 2,
      halfOpenAfterMs: 100,
      logger: pino({ level: 'silent' }),
    });
    try {
      await store.set('k', 'v', 60_000);
      expect(await store.get('k')).toBe('v');
      for (const socket of current) frozen.add(socket);
      for (let i = 0; i < 2; i++) await expect(store.get('k')).rejects.toBeInstanceOf(CacheUnavailableError);
      expect(store.circuitState()).toBe('open');
      await expect(store.get('k')).rejects.toThrow(/circuit breaker is open/);
      // The frozen connection never answers again; the socket timeout drops it and a fresh one takes over.
      let answer: string | null | undefined;
      for (let i = 0; i < 200 && answer === undefined; i++) {
        await new Promise((r) => setTimeout(r, 25));
        answer = await store.get('k').catch(() => undefined);
      }
      expect(answer).toBe('v');
      expect(store.circuitState()).toBe('closed');
    } finally {
      await store.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
