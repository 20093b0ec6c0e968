import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../src/infra/db/client.ts';
import { windowScript } from '../../src/http/rate-limit.ts';
import { otpKeys } from '../../src/modules/otp/otp.scripts.ts';
import { startTopology, type Topology } from '../cluster/topology/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { registerHospital, type RegisteredHospital } from '../helpers/factories.ts';
import { eventually } from '../helpers/messaging.ts';
import { onServices } from '../helpers/target.ts';

/**
 * Tempus on a Redis Cluster of its own (three masters, one replica each;
 * test/cluster/topology): every multi-key script runs in one slot (OTP,
 * cache versions), limits and codes behave as on one Redis, and a master
 * killed mid-way is survived like a Redis restart: OTP answers 503 at most
 * while its slots have no master, everything else degrades as designed, and
 * all of it works again once the replica is promoted.
 */
describe.runIf(onServices)('Redis Cluster', () => {
  let topology: Topology;
  let t: TestApp;

  beforeAll(async () => {
    topology = await startTopology({ name: 'redis-cluster-test', redisCluster: true });
    t = await createTestApp({
      env: {
        // The cluster instead of the machine's Redis.
        REDIS_URL: '',
        REDIS_CLUSTER_NODES: topology.redis!.seeds,
        REDIS_BREAKER_THRESHOLD: '3',
        REDIS_BREAKER_HALF_OPEN_MS: '250',
        REDIS_COMMAND_TIMEOUT_MS: '300',
        RATE_LIMIT_PUBLIC_MAX: '5',
        RATE_LIMIT_WINDOW_SECONDS: '60',
        OTP_REQUEST_INTERVAL_SECONDS: '0',
        OTP_REQUEST_MAX: '100',
      },
    });
  });

  afterAll(async () => {
    await t?.close();
    await topology?.close();
  });

  const requestOtp = (h: RegisteredHospital) => t.app.inject({ method: 'POST', url: '/v1/hospitals/me/otp', headers: h.auth });
  const latestCode = async (h: RegisteredHospital) =>
    (
      await rawRows<{ code: string }>(
        t.deps.database.db,
        sql`select payload->'data'->>'code' as code from outbox where hospital_id = ${h.id} and payload->>'template' = 'otp' order by created_at desc, id desc limit 1`,
      )
    )[0]!.code;
  const patch = (h: RegisteredHospital, payload: Record<string, unknown>) => t.app.inject({ method: 'PATCH', url: '/v1/hospitals/me', headers: h.auth, payload });

  it('keeps the keys of each script in one slot, and different hospitals on different slots', async () => {
    const slot = async (key: string) => Number((await topology.redis!.cli(topology.redis!.nodes[0]!.port, 'cluster', 'keyslot', t.config.env.REDIS_KEY_PREFIX + key)).trim());
    const a = otpKeys('11111111-1111-4111-8111-111111111111', 'hospital.update');
    const b = otpKeys('22222222-2222-4222-8222-222222222222', 'hospital.update');
    const slotsA = new Set(await Promise.all([a.code, a.cooldown, a.requests].map(slot)));
    expect(slotsA.size).toBe(1);
    expect(await slot(b.code)).not.toBe([...slotsA][0]);
    expect(await slot('{hospital:x}')).toBe(await slot('{hospital:x}#v'));
  });

  it('runs hundreds of concurrent scripts and reads on keys of every master at once (no cross-node batching)', async () => {
    const store = t.deps.cache.store;
    const keys = Array.from({ length: 300 }, (_, i) => `rl:concurrent:${i}:${Date.now()}`);
    const [windows, reads] = await Promise.all([
      Promise.all(keys.map((k) => store.run(windowScript, [k], [60_000]))),
      Promise.all(keys.map((k) => store.mget([`{${k}}`, `{${k}}#v`]))),
    ]);
    expect(windows.map((w) => w.count)).toEqual(keys.map(() => 1));
    expect(reads).toEqual(keys.map(() => [null, null]));
    expect(store.circuitState()).toBe('closed');
  });

  it('runs the OTP rules on the cluster: issue, a wrong guess counts, the right code once', async () => {
    const h = await registerHospital(t);
    expect((await requestOtp(h)).statusCode).toBe(202);
    const code = await latestCode(h);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const w = await patch(h, { otp: wrong, name: 'Renamed' });
    expect([w.json().code, w.json().details?.attemptsLeft]).toEqual(['OTP_INVALID', 2]);
    expect((await patch(h, { otp: code, name: 'Renamed' })).statusCode).toBe(200);
    expect((await patch(h, { otp: code, name: 'Twice' })).json().code).toBe('OTP_EXPIRED');
    // The cached hospital was invalidated (value and version in one slot): the new name is read back.
    expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: h.auth })).json().data.name).toBe('Renamed');
  });

  it('counts a rate-limit window on the cluster', async () => {
    const h = await registerHospital(t);
    const statuses: number[] = [];
    // The public bucket (per IP; only this test uses public routes).
    for (let i = 0; i < 6; i++) statuses.push((await t.app.inject({ method: 'GET', url: `/v1/public/hospitals/${h.subdomain}` })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('survives a master killed: OTP 503 at most until its replica is promoted, then everything works again', async () => {
    const h = await registerHospital(t);
    const redis = topology.redis!;
    const victim = await redis.masterOf(t.config.env.REDIS_KEY_PREFIX + otpKeys(h.id, 'hospital.update').code);
    await redis.kill(victim);
    try {
      // Until the failover: a code request is refused with 503 (fail closed) or, once promoted, issued. Never a 500.
      const during = await eventually(
        async () => (await requestOtp(h)).statusCode,
        (status) => {
          expect([202, 503]).toContain(status);
          return status === 202;
        },
        'OTP to work again after the failover',
        30_000,
      );
      expect(during).toBe(202);
      await redis.waitHealthy({ full: false });
      expect(await redis.masters()).not.toContain(victim);
      // Signed-in reads never failed: the cache falls back to PostgreSQL, limits fail open.
      expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: h.auth })).statusCode).toBe(200);
      const code = await latestCode(h);
      expect((await patch(h, { otp: code, name: 'After Failover' })).statusCode).toBe(200);
      expect(t.deps.cache.store.circuitState()).toBe('closed');
    } finally {
      // The old master comes back as a replica of the promoted one.
      await redis.start(victim);
      await redis.waitHealthy();
    }
    expect(await redis.masters()).not.toContain(victim);
    const again = await registerHospital(t);
    expect((await requestOtp(again)).statusCode).toBe(202);
  });
});
