import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { registerHospital } from '../../../test/helpers/factories.ts';
import { startSupabasePeer } from '../../../test/helpers/supabase-peer.ts';
import { onServices } from '../../../test/helpers/target.ts';
import { buildApp } from '../../app.ts';
import pino from 'pino';
import { addMember, grantPlatformAdmin } from '../../../test/helpers/member-factories.ts';
import { rawRows } from '../db/client.ts';
import { createCache } from './cache-aside.ts';
import { createStore } from './index.ts';
import { identityCacheKey } from './keys.ts';

/**
 * Two API instances over one store. On `services` they are two complete apps
 * (own connections, own breakers) on the same PostgreSQL and Redis, as two
 * processes would be; embedded, two Fastify instances over one set of deps
 * (one PGlite, one in-process store), which is what embedded mode can share.
 */
interface Pair {
  a: TestApp;
  b: FastifyInstance;
  close(): Promise<void>;
}

async function twoInstances(env: Record<string, string>): Promise<Pair> {
  // Like production processes: one key prefix and one SERVER_SECRET (OTP hashes) for all.
  const shared = {
    REDIS_KEY_PREFIX: `tempus-test-${randomBytes(4).toString('hex')}:`,
    SERVER_SECRET: randomBytes(32).toString('hex'),
    ...env,
  };
  if (onServices) {
    const peer = await startSupabasePeer();
    const a = await createTestApp({ supabase: peer, env: shared });
    const b = await createTestApp({ supabase: peer, env: shared });
    return {
      a,
      b: b.app,
      async close() {
        await b.close();
        await a.close();
        await peer.close();
      },
    };
  }
  const a = await createTestApp({ env: shared });
  const b = await buildApp(a.deps);
  await b.ready();
  return {
    a,
    b,
    async close() {
      await b.close();
      await a.close();
    },
  };
}

let pair: Pair;
beforeAll(async () => {
  pair = await twoInstances({ RATE_LIMIT_MAX: '10', OTP_REQUEST_INTERVAL_SECONDS: '0' });
});
afterAll(async () => {
  await pair.close();
});

describe('two API instances on one store', () => {
  it('share one rate limit', async () => {
    const h = await registerHospital(pair.a); // request 1 of RATE_LIMIT_MAX, on instance a
    const seen: { via: string; status: number; remaining: string | undefined }[] = [];
    for (let i = 0; i < 10; i++) {
      const [via, app] = i % 2 === 0 ? ['b', pair.b] : ['a', pair.a.app];
      const res = await app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: h.auth });
      seen.push({ via, status: res.statusCode, remaining: res.headers['ratelimit-remaining'] as string | undefined });
    }
    // Alternating instances count down one budget of 10: 8 left after the first GET, then 429 on both.
    expect(seen).toEqual([
      ...Array.from({ length: 9 }, (_, i) => ({ via: i % 2 === 0 ? 'b' : 'a', status: 200, remaining: String(8 - i) })),
      { via: 'a', status: 429, remaining: '0' },
    ]);
    const onB = await pair.b.inject({ method: 'GET', url: '/v1/hospitals/me', headers: h.auth });
    expect(onB.statusCode).toBe(429);
  });

  it('see each other\'s cache invalidations and one-time codes', async () => {
    const h = await registerHospital(pair.a);
    const get = (app: FastifyInstance, url = '/v1/hospitals/me') => app.inject({ method: 'GET', url, headers: h.auth });
    // Both instances have read (and cached) the hospital.
    expect((await get(pair.a.app)).json().data.name).toBe('Test Clinic');
    expect((await get(pair.b)).json().data.name).toBe('Test Clinic');
    expect((await get(pair.b, '/v1/hospitals/me/settings')).json().data.bookingHorizonDays).toBe(90);

    const settings = await pair.a.app.inject({ method: 'PATCH', url: '/v1/hospitals/me/settings', headers: h.auth, payload: { bookingHorizonDays: 14 } });
    expect(settings.statusCode).toBe(200);
    expect((await get(pair.b, '/v1/hospitals/me/settings')).json().data.bookingHorizonDays).toBe(14);

    // The code is requested on a and used on b.
    expect((await pair.a.app.inject({ method: 'POST', url: '/v1/hospitals/me/otp', headers: h.auth })).statusCode).toBe(202);
    const [row] = await rawRows<{ payload: { data: { code: string } } }>(
      pair.a.deps.database.db,
      sql`select payload from outbox where hospital_id = ${h.id} and payload->>'template' = 'otp' order by created_at desc limit 1`,
    );
    const renamed = await pair.b.inject({ method: 'PATCH', url: '/v1/hospitals/me', headers: h.auth, payload: { otp: row!.payload.data.code, name: 'Shared Clinic' } });
    expect(renamed.statusCode).toBe(200);
    expect((await get(pair.a.app)).json().data.name).toBe('Shared Clinic');
    expect((await get(pair.b)).json().data.name).toBe('Shared Clinic');
  });

  // On services each instance also keeps identities and hospitals in process (CACHE_LOCAL_MAX_ENTRIES);
  // the copies must follow every change made elsewhere on the very next request, as the shared entries do.
  it('drop a removed member and a changed identity on the other instance at once', async () => {
    const h = await registerHospital(pair.a);
    const staff = await addMember(pair.a, h, 'staff');
    const me = (app: FastifyInstance) => app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: staff.auth });
    const localHits = () => pair.a.deps.cache.stats.byFamily['identity']?.localHits ?? 0;
    expect((await me(pair.b)).statusCode).toBe(200);
    expect((await me(pair.b)).statusCode).toBe(200);
    if (onServices) {
      // Answered from b's own copy (no Redis read), which is what the removal below must reach.
      expect((await me(pair.a.app)).statusCode).toBe(200);
      const before = localHits();
      expect((await me(pair.a.app)).statusCode).toBe(200);
      expect((await me(pair.a.app)).statusCode).toBe(200);
      expect(localHits() - before).toBe(2);
    }

    // An operator grant from another process (as `tempus admin grant` does: its own store and cache);
    // embedded mode has no store another process could reach, so the grant is invalidated in process there.
    const admin = (app: FastifyInstance) => app.inject({ method: 'GET', url: '/v1/admin/dead-letters', headers: staff.auth });
    expect((await admin(pair.b)).statusCode).toBe(403);
    await grantPlatformAdmin(pair.a, staff);
    if (onServices) {
      const cliStore = await createStore(pair.a.config, pino({ level: 'silent' }));
      try {
        await createCache(cliStore, { logger: pino({ level: 'silent' }) }).invalidate(identityCacheKey(staff.userId));
      } finally {
        await cliStore.close();
      }
    } else {
      await pair.a.deps.cache.invalidate(identityCacheKey(staff.userId));
    }
    expect((await admin(pair.b)).statusCode).toBe(200);

    // Removed through a: refused on b on the next request.
    const removed = await pair.a.app.inject({ method: 'DELETE', url: `/v1/hospitals/me/members/${staff.userId}`, headers: h.auth });
    expect(removed.statusCode).toBe(200);
    expect((await me(pair.b)).statusCode).toBe(403);
    expect((await me(pair.a.app)).statusCode).toBe(403);
  });
});
