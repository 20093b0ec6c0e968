import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { onServices, serviceUrls } from '../../../test/helpers/target.ts';
import { windowScript } from '../../http/rate-limit.ts';
import { createCache, valueKey, type Cache } from './cache-aside.ts';
import { createStore } from './index.ts';
import { createMemoryStore } from './memory-store.ts';
import type { CacheStore } from './store.ts';

// The project's adapter: the in-process store on `embedded`, the real Redis on `services`.
const logger = pino({ level: 'silent' });
let store: CacheStore;
let cache: Cache;

beforeAll(async () => {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    REDIS_KEY_PREFIX: `tempus-test-${randomBytes(4).toString('hex')}:`,
    ...(onServices ? { REDIS_URL: serviceUrls().REDIS_URL } : {}),
  });
  if (onServices && !config.env.REDIS_URL) throw new Error('REDIS_URL must be set on the services target');
  store = await createStore(config, logger);
  cache = createCache(store, { logger });
});
afterAll(async () => {
  await store.close();
});

const key = (family = 'test') => `${family}:${randomBytes(6).toString('hex')}`;
/** Two keys with one hash tag (one Redis Cluster slot), as multi-key calls need. */
const pair = () => {
  const tag = `{${key()}}`;
  return [`${tag}:a`, `${tag}:b`] as const;
};
const until = async (check: () => Promise<boolean>, tries = 100, stepMs = 20) => {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return false;
};

describe(`cache store (${onServices ? 'redis' : 'memory'})`, () => {
  it('stores with a TTL and forgets after it, with the prefix applied', async () => {
    const [k, other] = pair();
    await store.set(k, 'v', 60);
    expect(await store.get(k)).toBe('v');
    expect(await store.mget([k, other])).toEqual(['v', null]);
    expect(await until(async () => (await store.get(k)) === null)).toBe(true);
    expect(store.prefix).toMatch(/^tempus-test-/);
  });

  it('counts a fixed window atomically and sets its expiry once', async () => {
    const k = key('rl');
    const results = await Promise.all(Array.from({ length: 20 }, () => store.run(windowScript, [k], [60_000])));
    expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const r of results) expect(r.ttlMs).toBeGreaterThan(0);
    expect(results.every((r) => r.ttlMs <= 60_000)).toBe(true);
  });

  it('deletes keys and reports the circuit as closed when healthy', async () => {
    const [k, other] = pair();
    await store.set(k, 'v', 60_000);
    expect(await store.del([k, other])).toBe(1);
    expect(await store.get(k)).toBeNull();
    await store.ping();
    expect(store.circuitState()).toBe('closed');
  });

  it('refuses a multi-key call whose keys would land in different Redis Cluster slots, on every adapter', async () => {
    const [a, b] = [key(), key()];
    await expect(store.mget([a, b])).rejects.toThrow(/share a hash tag/);
    await expect(store.del([a, b])).rejects.toThrow(/share a hash tag/);
    await expect(store.run(windowScript, [a, b], [1_000])).rejects.toThrow(/share a hash tag/);
    // Refused before anything ran: no half-applied call, and an answer rather than an outage.
    expect(await store.get(a)).toBeNull();
    expect(store.circuitState()).toBe('closed');
  });
});

describe(`cache-aside (${onServices ? 'redis' : 'memory'})`, () => {
  it('loads once for a hundred concurrent misses, then serves hits', async () => {
    const k = key('family');
    let loads = 0;
    const loader = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 20));
      return { n: 42, at: new Date(0).toISOString() };
    };
    const before = { ...cache.stats };
    const values = await Promise.all(Array.from({ length: 100 }, () => cache.getOrLoad(k, 60, loader)));
    expect(loads).toBe(1);
    expect(new Set(values.map((v) => JSON.stringify(v)))).toEqual(new Set([JSON.stringify({ n: 42, at: '1970-01-01T00:00:00.000Z' })]));
    const hit = await cache.getOrLoad<{ n: number; at: string | Date }>(k, 60, loader, { revive: (p) => ({ ...(p as { n: number }), at: new Date((p as { at: string }).at) }) });
    expect(hit.at).toBeInstanceOf(Date);
    expect(loads).toBe(1);
    expect(cache.stats.misses - before.misses).toBe(100);
    expect(cache.stats.loads - before.loads).toBe(1);
    expect(cache.stats.hits - before.hits).toBe(1);
    expect(cache.stats.byFamily['family']).toMatchObject({ hits: expect.any(Number), misses: expect.any(Number) });
  });

  it('reloads after invalidate', async () => {
    const k = key();
    let version = 1;
    const loader = async () => ({ version });
    expect(await cache.getOrLoad(k, 60, loader)).toEqual({ version: 1 });
    version = 2;
    expect(await cache.getOrLoad(k, 60, loader)).toEqual({ version: 1 });
    await cache.invalidate(k);
    expect(await cache.getOrLoad(k, 60, loader)).toEqual({ version: 2 });
  });

  it('never writes back a value loaded before an invalidation', async () => {
    const k = key();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const loadsBefore = cache.stats.loads;
    const slow = cache.getOrLoad(k, 60, async () => {
      await gate;
      return { stale: true };
    });
    // Let the slow load read the version, then invalidate under it.
    expect(await until(async () => cache.stats.loads > loadsBefore, 100, 5)).toBe(true);
    await cache.invalidate(k);
    // A caller arriving after the invalidation does not join the stale load.
    const fresh = await cache.getOrLoad(k, 60, async () => ({ stale: false }));
    expect(fresh).toEqual({ stale: false });
    release();
    expect(await slow).toEqual({ stale: true });
    expect(await cache.getOrLoad(k, 60, async () => ({ stale: 'reloaded' }))).toEqual({ stale: false });
    await cache.invalidate(k);
    // And a stale write attempted after the invalidation is dropped.
    let release2!: () => void;
    const gate2 = new Promise<void>((r) => (release2 = r));
    const loadsBefore2 = cache.stats.loads;
    const slow2 = cache.getOrLoad(k, 60, async () => {
      await gate2;
      return { stale: true };
    });
    expect(await until(async () => cache.stats.loads > loadsBefore2, 100, 5)).toBe(true);
    await cache.invalidate(k);
    release2();
    await slow2;
    expect(await store.get(valueKey(k))).toBeNull();
  });

  it('does not cache null results', async () => {
    const k = key();
    let loads = 0;
    const loader = async () => (loads++, null);
    expect(await cache.getOrLoad(k, 60, loader)).toBeNull();
    expect(await cache.getOrLoad(k, 60, loader)).toBeNull();
    expect(loads).toBe(2);
  });

  it('propagates a loader failure to every waiting caller and caches nothing', async () => {
    const k = key();
    let loads = 0;
    const failing = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      throw new Error('database down');
    };
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => cache.getOrLoad(k, 60, failing)));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(loads).toBe(1);
    expect(await cache.getOrLoad(k, 60, async () => 'ok')).toBe('ok');
  });
});

describe('memory store', () => {
  it('behaves like Redis for INCR, KEEPTTL and PTTL', async () => {
    let now = 1_000;
    const mem = createMemoryStore({ prefix: 'p:', now: () => now });
    const { kv } = mem;
    expect(kv.pttl('p:x')).toBe(-2);
    expect(kv.incrBy('p:x', 1)).toBe(1);
    expect(kv.pttl('p:x')).toBe(-1);
    kv.pexpire('p:x', 100);
    expect(kv.incrBy('p:x', 1)).toBe(2);
    expect(kv.pttl('p:x')).toBe(100);
    kv.set('p:x', '10', { keepTtl: true });
    now += 60;
    expect(kv.pttl('p:x')).toBe(40);
    now += 40;
    expect(kv.get('p:x')).toBeNull();
    expect(await mem.get('x')).toBeNull();
    await mem.set('y', 'v', 10);
    expect(mem.size()).toBe(1);
    now += 10;
    expect(await mem.get('y')).toBeNull();
    await mem.close();
  });
});
