/**
 * The key-value store behind the cache, the OTP codes and the rate limits:
 * Redis in production (shared by every process), an in-process map in
 * embedded mode. Both implement this one interface with the same TTL
 * semantics, so the code above never branches on the adapter.
 *
 * Keys passed in are unprefixed; the store adds REDIS_KEY_PREFIX (also to the
 * KEYS of scripts). Values are strings; callers serialise.
 *
 * Redis Cluster (REDIS_CLUSTER_NODES): a command or script touching several
 * keys must find them all in one hash slot. Keys that belong together carry
 * one hash tag, `{...}`, after the prefix (which may not contain braces):
 * `tempus:otp:{<hospital>:<purpose>}:code`, `tempus:{hospital:<id>}` and its
 * version `tempus:{hospital:<id>}#v`. Every adapter refuses multi-key calls
 * whose keys have different tags (assertOneSlot), so a layout that would break
 * on a cluster fails in the embedded suite too; on a single Redis the tags
 * are ordinary characters of the key.
 *
 * Anything that must be atomic (check-and-set, counters with a window, OTP
 * verification) is an AtomicScript: Lua for Redis and a synchronous function
 * over a MemoryKv for the in-process store (synchronous = atomic in Node).
 * Both live side by side in the module that owns the rule.
 */

/** What Redis Cluster hashes: the text inside the first `{...}` when that is not empty, else the whole key. */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return key.slice(open + 1, close);
  }
  return key;
}

/** Throws unless every key hashes by the same tag (Redis Cluster's CROSSSLOT rule, made strict: same tag, not just same slot). */
export function assertOneSlot(keys: string[]): void {
  const tag = keys.length > 1 ? hashTagOf(keys[0]!) : '';
  for (const key of keys.slice(1)) {
    if (hashTagOf(key) !== tag) throw new Error(`keys of one command must share a hash tag (Redis Cluster): "${keys[0]}" and "${key}"`);
  }
}

export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

/** A store call that could not reach its backend (down, timed out, or the breaker is open). */
export class CacheUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CacheUnavailableError';
  }
}

/**
 * The synchronous view of the in-process store that memory implementations
 * of AtomicScripts use; it mirrors the Redis commands the Lua side uses.
 */
export interface MemoryKv {
  /** Milliseconds since the epoch, as the store sees it (Redis: TIME). */
  now(): number;
  get(key: string): string | null;
  /** SET; `ttlMs` null = no expiry; `keepTtl` = SET ... KEEPTTL. */
  set(key: string, value: string, options?: { ttlMs?: number | null; keepTtl?: boolean }): void;
  del(key: string): boolean;
  /** INCRBY; a missing key starts at 0 and keeps no expiry, like Redis. */
  incrBy(key: string, by: number): number;
  pexpire(key: string, ttlMs: number): boolean;
  /** PTTL: -2 when missing, -1 without expiry. */
  pttl(key: string): number;
}

export interface AtomicScript<R> {
  /** The script's name (letters only): logs and tests name it; Redis knows it by its SHA-1. */
  name: string;
  lua: string;
  memory(kv: MemoryKv, keys: string[], args: string[]): unknown;
  /** Turns the raw reply (Redis' or memory's, same shape) into the result. */
  decode(raw: unknown): R;
  /**
   * Safe to send again when a reply was lost (a read, or a write whose repeat
   * changes nothing). Non-idempotent scripts are never retried: an OTP attempt
   * or a rate-limit hit must count once.
   */
  idempotent: boolean;
}

/** The channel the cache's invalidation script publishes each invalidated key on (unprefixed key as the message). */
export const invalidationChannel = (prefix: string) => `${prefix}cache:invalidated`;

/**
 * Invalidations as they happen anywhere in the deployment, for an in-process
 * copy (src/infra/cache/local-cache.ts): the keys the invalidation script
 * publishes, received on the store's own connection (RESP3 push messages), so
 * they arrive in order with the replies of that connection.
 */
export interface InvalidationFeed {
  /** Subscribed now: every invalidation from here on reaches onInvalidated. */
  live(): boolean;
  /**
   * Resolves once every invalidation that completed (anywhere) before the
   * call has reached onInvalidated: the reply to any command sent after the
   * call on the connection the messages arrive on (another lookup's, a rate
   * limit's), or to a PING that the calls of one event-loop turn share when
   * none was sent by its end. Rejects when the feed is not live or Redis does
   * not answer.
   */
  fence(): Promise<void>;
  onInvalidated(listener: (key: string) => void): void;
  /** The subscription was lost or (re)made: messages may have been missed, every copy is suspect. */
  onReset(listener: () => void): void;
}

export interface CacheStore {
  readonly kind: 'redis' | 'memory';
  readonly prefix: string;
  /**
   * Redis (one server): the invalidation feed an in-process copy needs. Absent
   * for the in-process store (it is the process' memory already: no second
   * layer) and for Redis Cluster (a PUBLISH travels the cluster bus to the
   * subscriber's node with no order against that node's replies, so no fence).
   */
  readonly invalidations?: InvalidationFeed;
  get(key: string): Promise<string | null>;
  mget(keys: string[]): Promise<(string | null)[]>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(keys: string[]): Promise<number>;
  run<R>(script: AtomicScript<R>, keys: string[], args: (string | number)[]): Promise<R>;
  /** A round trip through the breaker (health checks; also the half-open probe). */
  ping(): Promise<void>;
  circuitState(): CircuitStateName;
  /** Called when the backend answers again after failures (reconnect, breaker reset). */
  onRecover(listener: () => void): void;
  close(): Promise<void>;
}
