import { assertOneSlot, type AtomicScript, type CacheStore, type MemoryKv } from './store.ts';

interface Entry {
  value: string;
  /** Epoch ms after which the entry is gone; null = no expiry. */
  expiresAt: number | null;
}

export interface MemoryStoreOptions {
  prefix: string;
  /** How often expired entries are swept (they are also dropped lazily on access). */
  sweepIntervalMs?: number;
  now?: () => number;
}

/**
 * The embedded mode's store: a Map with Redis' TTL semantics. It lives in one
 * process, so it is only correct for one API process (production requires
 * REDIS_URL). Several apps in one process may share one instance.
 */
export function createMemoryStore(options: MemoryStoreOptions): CacheStore & { kv: MemoryKv; size(): number } {
  const { prefix } = options;
  const now = options.now ?? Date.now;
  const map = new Map<string, Entry>();

  const live = (key: string): Entry | undefined => {
    const entry = map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== null && entry.expiresAt <= now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  };

  const kv: MemoryKv = {
    now,
    get: (key) => live(key)?.value ?? null,
    set(key, value, { ttlMs = null, keepTtl = false } = {}) {
      const previous = keepTtl ? live(key) : undefined;
      const expiresAt = keepTtl ? (previous?.expiresAt ?? null) : ttlMs === null ? null : now() + ttlMs;
      map.set(key, { value, expiresAt });
    },
    del: (key) => {
      const existed = live(key) !== undefined;
      map.delete(key);
      return existed;
    },
    incrBy(key, by) {
      const entry = live(key);
      const current = entry ? Number(entry.value) : 0;
      if (!Number.isInteger(current)) throw new Error('ERR value is not an integer or out of range');
      const next = current + by;
      map.set(key, { value: String(next), expiresAt: entry?.expiresAt ?? null });
      return next;
    },
    pexpire(key, ttlMs) {
      const entry = live(key);
      if (!entry) return false;
      entry.expiresAt = now() + ttlMs;
      return true;
    },
    pttl(key) {
      const entry = live(key);
      if (!entry) return -2;
      return entry.expiresAt === null ? -1 : entry.expiresAt - now();
    },
  };

  const sweep = setInterval(() => {
    const t = now();
    for (const [key, entry] of map) if (entry.expiresAt !== null && entry.expiresAt <= t) map.delete(key);
  }, options.sweepIntervalMs ?? 30_000);
  sweep.unref();

  const k = (key: string) => prefix + key;
  // The cluster's one-slot rule holds here too, so a key layout that would break on Redis Cluster fails embedded.
  const ks = (keys: string[]) => {
    const prefixed = keys.map(k);
    assertOneSlot(prefixed);
    return prefixed;
  };

  return {
    kind: 'memory',
    prefix,
    kv,
    size: () => map.size,
    async get(key) {
      return kv.get(k(key));
    },
    async mget(keys) {
      return ks(keys).map((key) => kv.get(key));
    },
    async set(key, value, ttlMs) {
      kv.set(k(key), value, { ttlMs });
    },
    async del(keys) {
      let n = 0;
      for (const key of ks(keys)) if (kv.del(key)) n++;
      return n;
    },
    async run<R>(script: AtomicScript<R>, keys: string[], args: (string | number)[]): Promise<R> {
      // Synchronous from start to end: nothing else runs in between, as with EVAL.
      const raw = script.memory(kv, ks(keys), args.map(String));
      return script.decode(raw);
    },
    async ping() {},
    circuitState: () => 'closed',
    onRecover() {},
    async close() {
      clearInterval(sweep);
    },
  };
}
