import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { onServices, serviceUrls } from '../../../test/helpers/target.ts';
import { createCache, type Cache } from './cache-aside.ts';
import { createStore } from './index.ts';
import type { CacheStore } from './store.ts';

/**
 * Two processes' caches over one Redis (two stores, two connections), each
 * with its in-process copy. Embedded: the in-process store has no feed, so
 * there is no second layer to keep exact.
 */
const logger = pino({ level: 'silent' });
const prefix = `tempus-test-${randomBytes(4).toString('hex')}:`;
const config = () => loadConfig({ LOG_LEVEL: 'silent', REDIS_KEY_PREFIX: prefix, ...(onServices ? { REDIS_URL: serviceUrls().REDIS_URL } : {}) });
let stores: CacheStore[] = [];
let a: Cache;
let b: Cache;

beforeAll(async () => {
  stores = [await createStore(config(), logger), await createStore(config(), logger)];
  a = createCache(stores[0]!, { logger, localMaxEntries: 3 });
  b = createCache(stores[1]!, { logger, localMaxEntries: 3 });
});
afterAll(async () => {
  for (const store of stores) await store.close();
});

const key = () => `local:${randomBytes(6).toString('hex')}`;
const copy = { inProcess: true };

describe.runIf(onServices)('in-process copies over Redis', () => {
  it('answer repeated lookups without Redis, and drop them on an invalidation from the other process before the next lookup', async () => {
    const k = key();
    let version = 1;
    const loader = async () => ({ version });
    expect(await b.getOrLoad(k, 60, loader, copy)).toEqual({ version: 1 });
    const before = b.stats.localHits;
    expect(await b.getOrLoad(k, 60, loader, copy)).toEqual({ version: 1 });
    expect(b.stats.localHits - before).toBe(1);

    // The other process writes and invalidates, many times in a row: every lookup after each invalidation sees it.
    for (let i = 0; i < 50; i++) {
      version++;
      await a.invalidate(k);
      expect(await b.getOrLoad(k, 60, loader, copy)).toEqual({ version });
      expect(await b.getOrLoad(k, 60, loader, copy)).toEqual({ version });
    }
  });

  it('hand out frozen copies, keep at most the configured number, least recently used out first', async () => {
    const keys = [key(), key(), key(), key()];
    for (const k of keys.slice(0, 3)) await b.getOrLoad(k, 60, async () => ({ k, list: [1] }), copy);
    await b.getOrLoad(keys[0]!, 60, async () => null, copy); // keys[0] is now the most recently used
    const shared: unknown = await b.getOrLoad<unknown>(keys[0]!, 60, async () => null, copy);
    expect(Object.isFrozen(shared)).toBe(true);
    expect(() => (shared as { list: number[] }).list.push(2)).toThrow(TypeError);
    await b.getOrLoad(keys[3]!, 60, async () => ({ k: keys[3] }), copy); // evicts keys[1]
    const hits = b.stats.localHits;
    await b.getOrLoad(keys[0]!, 60, async () => null, copy);
    await b.getOrLoad(keys[2]!, 60, async () => null, copy);
    expect(b.stats.localHits - hits).toBe(2);
    await b.getOrLoad(keys[1]!, 60, async () => null, copy);
    expect(b.stats.localHits - hits).toBe(2); // from Redis, not from the copy
  });

  it('never keep a value an invalidation overtook, even when the read and the invalidation race', async () => {
    const k = key();
    let version = 0;
    const loader = async () => ({ version });
    // Reads on b interleaved with writes + invalidations on a; after all settle, b must show the last version.
    for (let round = 0; round < 20; round++) {
      const reads = Array.from({ length: 5 }, () => b.getOrLoad(k, 60, loader, copy));
      version++;
      await a.invalidate(k);
      await Promise.all(reads);
      expect(await b.getOrLoad(k, 60, loader, copy)).toEqual({ version });
    }
  });

  it('without copies (inProcess unset) every lookup reads Redis', async () => {
    const k = key();
    await b.getOrLoad(k, 60, async () => ({ v: 1 }));
    const hits = b.stats.localHits;
    await b.getOrLoad(k, 60, async () => ({ v: 1 }));
    expect(b.stats.localHits).toBe(hits);
    expect(b.stats.byFamily['local']?.hits).toBeGreaterThan(0);
  });
});

describe.runIf(!onServices)('in-process store', () => {
  it('keeps no second copy: it is the process memory already', async () => {
    const k = key();
    await b.getOrLoad(k, 60, async () => ({ v: 1 }), copy);
    await b.getOrLoad(k, 60, async () => ({ v: 1 }), copy);
    expect(b.stats.hits).toBe(1);
    expect(b.stats.localHits).toBe(0);
    expect(stores[1]!.invalidations).toBeUndefined();
  });
});
