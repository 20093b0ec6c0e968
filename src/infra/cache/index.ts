import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { HealthCheck } from '../observability/health.ts';
import { createCache, type Cache, type CacheOptions } from './cache-aside.ts';
import { createMemoryStore } from './memory-store.ts';
import { createRedisStore } from './redis-store.ts';
import type { CacheStore } from './store.ts';

export type { Cache } from './cache-aside.ts';
export { CacheUnavailableError, type AtomicScript, type CacheStore, type MemoryKv } from './store.ts';

/** The store this process uses: Redis (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES) when set, the in-process map otherwise. */
export async function createStore(config: Config, logger: Logger): Promise<CacheStore> {
  const { env } = config;
  if (!env.REDIS_URL && !env.REDIS_CLUSTER_NODES) return createMemoryStore({ prefix: env.REDIS_KEY_PREFIX });
  return createRedisStore({
    ...(env.REDIS_CLUSTER_NODES ? { clusterNodes: env.REDIS_CLUSTER_NODES } : { url: env.REDIS_URL! }),
    prefix: env.REDIS_KEY_PREFIX,
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeoutMs: env.REDIS_CONNECT_TIMEOUT_MS,
    reconnectMaxDelayMs: env.REDIS_RECONNECT_MAX_DELAY_MS,
    retryAttempts: env.REDIS_RETRY_ATTEMPTS,
    breakerThreshold: env.REDIS_BREAKER_THRESHOLD,
    halfOpenAfterMs: env.REDIS_BREAKER_HALF_OPEN_MS,
    logger,
  });
}

export async function createCacheFromConfig(
  config: Config,
  logger: Logger,
  options: Omit<CacheOptions, 'logger'> & { store?: CacheStore } = {},
): Promise<Cache> {
  const store = options.store ?? (await createStore(config, logger));
  return createCache(store, {
    logger,
    localMaxEntries: config.env.CACHE_LOCAL_MAX_ENTRIES,
    ...(options.onLookup ? { onLookup: options.onLookup } : {}),
  });
}

/**
 * `/health` entry for the store: a PING through the circuit breaker (so a
 * health probe doubles as the breaker's half-open trial), with the circuit
 * state beside it. Not critical: without Redis the API degrades, it does not stop.
 */
export function cacheHealthCheck(cache: Cache): HealthCheck {
  const { store } = cache;
  return {
    name: 'redis',
    critical: false,
    async run() {
      try {
        await store.ping();
        return { status: 'up', adapter: store.kind, circuit: store.circuitState() };
      } catch (err) {
        return { status: 'down', adapter: store.kind, circuit: store.circuitState(), error: (err as Error).message };
      }
    },
  };
}

/** Circuit state as a number for a gauge: 0 closed, 1 half-open, 2 open (or isolated). */
export function circuitStateValue(store: CacheStore): number {
  const state = store.circuitState();
  return state === 'closed' ? 0 : state === 'half-open' ? 1 : 2;
}
