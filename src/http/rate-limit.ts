import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AtomicScript, CacheStore } from '../infra/cache/store.ts';
import { DomainError } from '../shared/errors.ts';

/**
 * API rate limits (SPEC section 12) on @fastify/rate-limit with our own store:
 * the counters live in the shared CacheStore (Redis in production), so a limit
 * holds across any number of API processes.
 *
 * - Key: the signed-in user (`user:<id>`), else the client IP (`ip:<ip>`);
 *   public routes (`/v1/public/*`) count per IP in their own, stricter bucket.
 *   The hook runs after authentication (route-level onRequest hooks follow the
 *   app-level auth hook), which is how the user is known; a request refused by
 *   authentication is not counted.
 * - Headers: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (IETF
 *   draft names) on every limited route; `Retry-After` on a 429.
 * - 429 `RATE_LIMITED` in the usual error envelope, `details.retryAfterSeconds`.
 * - Fail open: if the store is unreachable the request goes through and a WARN
 *   is logged (at most once per FAIL_OPEN_LOG_INTERVAL_MS): throttling must
 *   never become a lockout.
 * - Fixed windows of RATE_LIMIT_WINDOW_SECONDS starting at a key's first request.
 *   A route may set its own `config.rateLimit` (it then counts in its own bucket).
 */
export interface RateLimitSettings {
  enabled: boolean;
  max: number;
  publicMax: number;
  windowSeconds: number;
}

export interface RateLimitOptions extends RateLimitSettings {
  store: CacheStore;
  logger: Logger;
  /** Called for every refused request (metrics). */
  onRejected?: (scope: 'public' | 'api') => void;
}

const FAIL_OPEN_LOG_INTERVAL_MS = 30_000;
/** Not limited: probes and docs must answer even to a busy client. */
const UNLIMITED = /^\/(health|metrics|docs)(\/|$)/;
/** Whether the limit applies to a route (its URL pattern); the OpenAPI document says so too (src/http/route-defaults.ts). */
export const isRateLimited = (url: string) => !UNLIMITED.test(url);

/** INCR with the window set on the first hit. KEYS: counter. ARGV: windowMs. Returns {count, ttlMs}. */
export const windowScript: AtomicScript<{ count: number; ttlMs: number }> = {
  name: 'tempusRateWindow',
  idempotent: false,
  lua: `
    local n = redis.call('INCR', KEYS[1])
    local ttl = redis.call('PTTL', KEYS[1])
    if ttl < 0 then
      ttl = tonumber(ARGV[1])
      redis.call('PEXPIRE', KEYS[1], ttl)
    end
    return {n, ttl}`,
  memory(kv, [key], [windowMs]) {
    const n = kv.incrBy(key!, 1);
    let ttl = kv.pttl(key!);
    if (ttl < 0) {
      ttl = Number(windowMs);
      kv.pexpire(key!, ttl);
    }
    return [n, ttl];
  },
  decode: (raw) => {
    const [count, ttlMs] = raw as [number | string, number | string];
    return { count: Number(count), ttlMs: Number(ttlMs) };
  },
};

/** Anonymous public reads (the booking pages, calendar feeds): the stricter per-IP limit. */
const isPublic = (request: FastifyRequest) => {
  const url = request.routeOptions.url ?? '';
  return url.startsWith('/v1/public/') || url.startsWith('/calendar/');
};

function storeClass(store: CacheStore, logger: Logger) {
  let lastWarn = 0;
  let skipped = 0;
  const failOpen = (err: Error) => {
    skipped++;
    const now = Date.now();
    if (now - lastWarn < FAIL_OPEN_LOG_INTERVAL_MS) return;
    logger.warn({ err: err.message, requestsLetThrough: skipped }, 'rate-limit store unreachable: failing open (requests are not throttled)');
    lastWarn = now;
    skipped = 0;
  };

  class SharedStore implements FastifyRateLimitStore {
    private readonly namespace: string;
    /** The plugin constructs the root store with its settings; children pass their namespace. */
    constructor(_settings?: unknown, namespace = 'rl:') {
      this.namespace = namespace;
    }

    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      store.run(windowScript, [this.namespace + key], [timeWindow]).then(
        ({ count, ttlMs }) => callback(null, { current: count, ttl: ttlMs }),
        (err: Error) => {
          failOpen(err);
          callback(err);
        },
      );
    }

    child(routeOptions: { method?: unknown; url?: string }): FastifyRateLimitStore {
      const method = Array.isArray(routeOptions.method) ? routeOptions.method.join(',') : String(routeOptions.method);
      return new SharedStore(undefined, `${this.namespace}route:${method}:${routeOptions.url}:`);
    }
  }
  return SharedStore;
}

export async function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  if (!options.enabled) return;
  const log = options.logger.child({ component: 'rate-limit' });
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    enableDraftSpec: true,
    skipOnError: true,
    store: storeClass(options.store, log),
    timeWindow: options.windowSeconds * 1000,
    max: (request) => (isPublic(request) ? options.publicMax : options.max),
    keyGenerator: (request) => {
      if (isPublic(request)) return `public:ip:${rateLimit.normalizeIP(request.ip)}`;
      const userId = request.auth?.user.id;
      return userId ? `user:${userId}` : `ip:${rateLimit.normalizeIP(request.ip)}`;
    },
    allowList: (request) => !isRateLimited(request.routeOptions.url ?? ''),
    onExceeded: (request) => {
      options.onRejected?.(isPublic(request) ? 'public' : 'api');
      request.log.info({ userId: request.auth?.user.id ?? null }, 'rate limit exceeded');
    },
    errorResponseBuilder: (_request, context) => {
      const retryAfterSeconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return new DomainError('RATE_LIMITED', `Too many requests; retry in ${retryAfterSeconds} s`, {
        limit: context.max,
        retryAfterSeconds,
      });
    },
  });
}
