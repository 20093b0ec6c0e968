import type { InvalidationFeed } from './store.ts';

/**
 * The in-process copy (L1) in front of Redis for the lookups every request
 * makes (the caller's identity, the hospital): a hit costs no Redis command
 * of its own, only the fence: the answer to the next command sent on the
 * store's connection (under load another request's; a PING shared by every
 * lookup of an event-loop turn when nothing else was sent). Copies are kept
 * as the lookup returns them (revived, frozen), so a hit parses nothing.
 *
 * Exactness is the shared cache's, not a TTL's: a copy is served only after
 * the fence (InvalidationFeed.fence) has confirmed that every invalidation
 * completed before the lookup began has been applied here, so a change made
 * through any process is seen by the next request on every process. Copies
 * are dropped when the feed is lost or re-established (messages may have been
 * missed), and a read that an invalidation of its key overtook is not copied
 * (`begin`/`fill`), since ioredis hands us the push message before it hands
 * back the older read.
 *
 * Bounded: at most `maxEntries` copies, least recently used out first; each
 * lives at most the key's TTL from when this process read it.
 */
export interface LocalCache {
  readonly feed: InvalidationFeed;
  /** The copy, if there is a live one (call after the fence). */
  get(key: string): unknown;
  /** Before reading the shared store for `key`: the token `fill` checks. */
  begin(key: string): ReadToken;
  /** Copies `value` unless `key` was invalidated (or the feed reset) since `begin`; always ends the read. */
  fill(token: ReadToken, value: unknown, ttlMs: number): void;
  /** Ends a read that fills nothing. */
  end(token: ReadToken): void;
  evict(key: string): void;
  size(): number;
}

interface Reading {
  readers: number;
  /** Invalidations of the key (or feed resets) seen while it was being read. */
  bumps: number;
}

export interface ReadToken {
  key: string;
  reading: Reading;
  bumps: number;
  done: boolean;
}

interface Copy {
  value: unknown;
  expiresAt: number;
}

/** Cached values are shared between requests: frozen so that no caller can change another's copy. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export function createLocalCache(feed: InvalidationFeed, maxEntries: number, now: () => number = Date.now): LocalCache {
  const copies = new Map<string, Copy>();
  const readings = new Map<string, Reading>();

  const evict = (key: string) => {
    copies.delete(key);
    const reading = readings.get(key);
    if (reading) reading.bumps++;
  };
  feed.onInvalidated(evict);
  feed.onReset(() => {
    copies.clear();
    for (const reading of readings.values()) reading.bumps++;
  });

  const end = (token: ReadToken) => {
    if (token.done) return;
    token.done = true;
    if (--token.reading.readers === 0 && readings.get(token.key) === token.reading) readings.delete(token.key);
  };

  return {
    feed,
    get(key) {
      const copy = copies.get(key);
      if (!copy) return undefined;
      if (copy.expiresAt <= now()) {
        copies.delete(key);
        return undefined;
      }
      // Least recently used goes first: a hit moves the key to the end of the Map's order.
      copies.delete(key);
      copies.set(key, copy);
      return copy.value;
    },
    begin(key) {
      let reading = readings.get(key);
      if (!reading) readings.set(key, (reading = { readers: 0, bumps: 0 }));
      reading.readers++;
      return { key, reading, bumps: reading.bumps, done: false };
    },
    fill(token, value, ttlMs) {
      const fresh = !token.done && token.reading.bumps === token.bumps && feed.live();
      end(token);
      if (!fresh || value === null || value === undefined) return;
      copies.delete(token.key);
      if (copies.size >= maxEntries) copies.delete(copies.keys().next().value!);
      copies.set(token.key, { value: deepFreeze(value), expiresAt: now() + ttlMs });
    },
    end,
    evict,
    size: () => copies.size,
  };
}
