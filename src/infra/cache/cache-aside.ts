/**
 * Cache-aside over a CacheStore (Redis, or the in-process store when embedded).
 *
 * API (one `Cache` per process, `deps.cache`):
 *
 *   const plans = await cache.getOrLoad('plans:active', 24 * 3600, () => listActivePlans(db));
 *   await cache.invalidate('plans:active');           // after the write has committed
 *
 *   getOrLoad(key, ttlSeconds, loader, { revive? })
 *     - hit: the JSON-parsed value (pass `revive` to turn ISO strings back into
 *       Dates or to check the shape);
 *     - miss: runs `loader` ONCE per key per process however many callers miss
 *       at the same time (single-flight), stores the result for `ttlSeconds`
 *       and hands it to every waiting caller. `null`/`undefined` results are
 *       returned but not cached (no negative caching);
 *     - the store is down or its breaker is open: runs `loader` and returns
 *       its result; the database answers, nothing fails.
 *   invalidate(...keys)
 *     - deletes the keys and bumps their version, so a load that began before
 *       the invalidation cannot write its stale result back afterwards. When
 *       the store is unreachable the keys are remembered, bypassed by
 *       getOrLoad, and deleted as soon as the store answers again.
 *   getOrLoad(..., { inProcess: true })
 *     - also keeps a copy in this process (local-cache.ts), for the small
 *       entries nearly every request reads; as exact across processes as the
 *       shared entry (pub/sub + a fence), absent without Redis' feed.
 *   stats
 *     - in-process counters (hits, misses, errors, loads, invalidations; also
 *       per key family = the key up to its first ':'), read by /metrics.
 *
 * Keys are plain strings such as `hospital:<uuid>`; the store adds the
 * deployment prefix. Values must be JSON-serialisable. In the store a key
 * becomes the hash tag of its value and its version, `{hospital:<uuid>}` and
 * `{hospital:<uuid>}#v`, so the scripts that read or write both run in one
 * Redis Cluster slot; several keys are invalidated one script call each.
 */
import type { Logger } from 'pino';
import { createLocalCache, type LocalCache, type ReadToken } from './local-cache.ts';
import { CacheUnavailableError, invalidationChannel, type AtomicScript, type CacheStore } from './store.ts';

export interface CacheCounters {
  hits: number;
  /** The hits answered by this process' own copy (`inProcess`), without a Redis read. */
  localHits: number;
  misses: number;
  /** Lookups or writes that could not reach the store (answered from the loader). */
  errors: number;
  /** Loader calls (fewer than misses thanks to single-flight). */
  loads: number;
  invalidations: number;
}

export interface CacheStats extends CacheCounters {
  /** The same counters per key family (`hospital`, `plans`, ...). */
  byFamily: Record<string, CacheCounters>;
}

export type CacheResult = 'hit' | 'miss' | 'error';

export interface GetOrLoadOptions<T> {
  /** Rebuilds the value from parsed JSON (Dates, class instances). Defaults to the parsed JSON. */
  revive?: (parsed: unknown) => T;
  /**
   * Also keep a copy in this process (src/infra/cache/local-cache.ts), for the
   * small values nearly every request reads; exact across processes like the
   * shared entry. Without Redis' invalidation feed (in-process store, Redis
   * Cluster) or with CACHE_LOCAL_MAX_ENTRIES=0 the option does nothing.
   */
  inProcess?: boolean;
}

export interface Cache {
  readonly store: CacheStore;
  readonly stats: CacheStats;
  getOrLoad<T>(key: string, ttlSeconds: number, loader: () => Promise<T>, options?: GetOrLoadOptions<T>): Promise<T>;
  invalidate(...keys: string[]): Promise<void>;
  /** Keys whose deletion is waiting for the store to come back. */
  pendingInvalidations(): string[];
}

export interface CacheOptions {
  logger: Logger;
  /** Most copies kept in process for `inProcess` lookups (CACHE_LOCAL_MAX_ENTRIES); 0 = none. */
  localMaxEntries?: number;
  /** Called on every lookup (metrics). */
  onLookup?: (family: string, result: CacheResult) => void;
}

/** The stored value and its version share the key as hash tag (one Redis Cluster slot). */
export const valueKey = (key: string) => `{${key}}`;
const versionKey = (key: string) => `{${key}}#v`;
/** Versions outlive any value they guard (the longest TTL is a day or so). */
const VERSION_TTL_MS = 7 * 86_400_000;

/**
 * SET value only if the key's version is still the one read before loading:
 * an invalidation in between (INCR of the version) makes the write a no-op.
 * KEYS: value, version. ARGV: json, ttlMs, expectedVersion ('' = none).
 */
const setIfVersion: AtomicScript<boolean> = {
  name: 'tempusSetIfVersion',
  idempotent: true,
  lua: `
    local v = redis.call('GET', KEYS[2])
    if (v or '') ~= ARGV[3] then return 0 end
    redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
    return 1`,
  memory(kv, [key, ver], [json, ttlMs, expected]) {
    if ((kv.get(ver!) ?? '') !== expected) return 0;
    kv.set(key!, json!, { ttlMs: Number(ttlMs) });
    return 1;
  },
  decode: (raw) => Number(raw) === 1,
};

/**
 * DEL the value, INCR its version and PUBLISH the key to every process' copy
 * (in the same step, so no reply that follows it can overtake the message).
 * KEYS: value, version. ARGV: versionTtlMs, channel, key.
 */
const invalidateScript: AtomicScript<number> = {
  name: 'tempusInvalidateAndPublish',
  idempotent: true,
  lua: `
    redis.call('DEL', KEYS[1])
    redis.call('INCR', KEYS[2])
    redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[1]))
    redis.call('PUBLISH', ARGV[2], ARGV[3])
    return 1`,
  memory(kv, [value, version], [ttlMs]) {
    kv.del(value!);
    kv.incrBy(version!, 1);
    kv.pexpire(version!, Number(ttlMs));
    return 1;
  },
  decode: (raw) => Number(raw),
};

const zero = (): CacheCounters => ({ hits: 0, localHits: 0, misses: 0, errors: 0, loads: 0, invalidations: 0 });

export function createCache(store: CacheStore, options: CacheOptions): Cache {
  const log = options.logger.child({ component: 'cache' });
  const stats: CacheStats = { ...zero(), byFamily: {} };
  const inFlight = new Map<string, Promise<unknown>>();
  const pending = new Set<string>();
  const maxLocal = options.localMaxEntries ?? 0;
  const local: LocalCache | null = store.invalidations && maxLocal > 0 ? createLocalCache(store.invalidations, maxLocal) : null;
  const channel = invalidationChannel(store.prefix);

  const count = (key: string, field: keyof CacheCounters) => {
    const family = key.split(':', 1)[0] ?? key;
    stats[field]++;
    (stats.byFamily[family] ??= zero())[field]++;
    if (field === 'hits' || field === 'misses' || field === 'errors') {
      options.onLookup?.(family, field === 'hits' ? 'hit' : field === 'misses' ? 'miss' : 'error');
    }
  };

  const warnUnavailable = (err: unknown, what: string, key: string) => {
    if (err instanceof CacheUnavailableError) log.debug({ key, err: err.message }, `cache ${what} skipped: store unavailable`);
    else log.warn({ key, err: (err as Error).message }, `cache ${what} failed`);
  };

  async function flushPending(): Promise<void> {
    if (pending.size === 0) return;
    const keys = [...pending];
    try {
      await deleteWithVersions(keys);
      for (const key of keys) pending.delete(key);
      log.info({ keys: keys.length }, 'deferred cache invalidations applied');
    } catch (err) {
      log.debug({ err: (err as Error).message }, 'deferred cache invalidations still waiting');
    }
  }
  store.onRecover(() => void flushPending());

  /** One script per key (each key is its own slot); rejects if any of them could not be applied. */
  async function deleteWithVersions(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => store.run(invalidateScript, [valueKey(key), versionKey(key)], [VERSION_TTL_MS, channel, key])));
  }

  async function load<T>(key: string, ttlSeconds: number, loader: () => Promise<T>, version: string | null, token: ReadToken | null, opts: GetOrLoadOptions<T>): Promise<T> {
    count(key, 'loads');
    try {
      const value = await loader();
      if (value !== null && value !== undefined && version !== null && !pending.has(key)) {
        try {
          const json = JSON.stringify(value);
          // Copied only when the shared entry was written: the version held, so no invalidation came in between.
          if (await store.run(setIfVersion, [valueKey(key), versionKey(key)], [json, ttlSeconds * 1000, version])) {
            // A copy of its own (the caller keeps the loader's value, unfrozen), in the shape a hit returns.
            if (token) local!.fill(token, opts.revive ? opts.revive(JSON.parse(json)) : JSON.parse(json), ttlSeconds * 1000);
          }
        } catch (err) {
          warnUnavailable(err, 'write', key);
        }
      }
      return value;
    } finally {
      if (token) local!.end(token);
    }
  }

  const hit = <T>(key: string, parsed: unknown, opts: GetOrLoadOptions<T>): T => {
    count(key, 'hits');
    return opts.revive ? opts.revive(parsed) : (parsed as T);
  };

  return {
    store,
    stats,
    async getOrLoad<T>(key: string, ttlSeconds: number, loader: () => Promise<T>, opts: GetOrLoadOptions<T> = {}): Promise<T> {
      // A deletion we could not deliver: the stored value may be stale, so skip it.
      if (pending.has(key)) {
        count(key, 'errors');
        void flushPending();
        return loader();
      }
      const copying = local !== null && opts.inProcess === true;
      if (copying) {
        try {
          await local.feed.fence();
          const copy = local.get(key);
          if (copy !== undefined && !pending.has(key)) {
            count(key, 'localHits');
            count(key, 'hits');
            // Kept revived (and frozen): a hit costs no parse and no revive.
            return copy as T;
          }
        } catch {
          // No fence (Redis away, feed not subscribed): the shared store decides, as without a copy.
        }
      }
      const token = copying ? local.begin(key) : null;
      let version: string | null = null;
      try {
        const [cached, v] = await store.mget([valueKey(key), versionKey(key)]);
        if (cached !== null && cached !== undefined) {
          const value = hit(key, JSON.parse(cached), opts);
          if (token) local!.fill(token, value, ttlSeconds * 1000);
          return value;
        }
        version = v ?? '';
        count(key, 'misses');
      } catch (err) {
        // Store down or breaker open: the database answers (still single-flight).
        count(key, 'errors');
        warnUnavailable(err, 'read', key);
      }
      const running = inFlight.get(key) as Promise<T> | undefined;
      if (running) {
        if (token) local!.end(token);
        return running;
      }
      const promise: Promise<T> = load(key, ttlSeconds, loader, version, token, opts).finally(() => {
        if (inFlight.get(key) === promise) inFlight.delete(key);
      });
      inFlight.set(key, promise);
      return promise;
    },
    async invalidate(...keys: string[]) {
      if (keys.length === 0) return;
      for (const key of keys) {
        count(key, 'invalidations');
        local?.evict(key);
        // A load already running may have read the old row: later callers must not join it.
        inFlight.delete(key);
      }
      try {
        await deleteWithVersions(keys);
      } catch (err) {
        for (const key of keys) pending.add(key);
        log.warn({ keys, err: (err as Error).message }, 'cache invalidation deferred until the store is reachable');
      }
    },
    pendingInvalidations: () => [...pending],
  };
}
