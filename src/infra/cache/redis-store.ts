import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  IsolatedCircuitError,
  retry,
  wrap,
  type IPolicy,
} from 'cockatiel';
import { createHash } from 'node:crypto';
import { Cluster, Redis, ReplyError, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { invalidationFeed, type CommandTrack } from './invalidation-feed.ts';
import { assertOneSlot, CacheUnavailableError, invalidationChannel, type AtomicScript, type CacheStore, type CircuitStateName } from './store.ts';

export interface RedisStoreOptions {
  /** One Redis (REDIS_URL) ... */
  url?: string;
  /** ... or the seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES). */
  clusterNodes?: { host: string; port: number }[];
  prefix: string;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  reconnectMaxDelayMs: number;
  retryAttempts: number;
  breakerThreshold: number;
  halfOpenAfterMs: number;
  logger: Logger;
}

const stateNames: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * A Redis error reply (wrong type, script error) is an answer, not an outage:
 * it neither opens the breaker nor is retried. Everything else (connection
 * refused or reset, command timeout, offline) is.
 */
const isOutage = (err: Error) => !(err instanceof ReplyError);

/** Exponential, jittered reconnection delays (single node), or slot-refresh retries (cluster). */
const backoff = (maxDelayMs: number) => (times: number) => Math.min(maxDelayMs, 25 * 2 ** Math.min(times, 16)) * (0.5 + Math.random() / 2);

/**
 * The ioredis client: `Redis` for one server, `Cluster` for a Redis Cluster
 * (slots discovered from the seed nodes and refreshed on MOVED, on errors and
 * every few seconds, so a failover's promoted replica is found by itself).
 * The same fail-fast settings either way: no offline queue, no retries inside
 * ioredis (ours are in the policy below), a command timeout.
 */
function createClient(options: RedisStoreOptions): Redis | Cluster {
  const common: RedisOptions = {
    commandTimeout: options.commandTimeoutMs,
    // A connection with commands waiting and no byte back for this long is
    // dead (a hung server, a black-holed network): drop it and reconnect
    // rather than let every later command time out on it.
    socketTimeout: Math.max(2 * options.commandTimeoutMs, 1_000),
    connectTimeout: options.connectTimeoutMs,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectionName: 'tempus',
  };
  if (options.clusterNodes) {
    return new Cluster(options.clusterNodes, {
      redisOptions: common,
      enableOfflineQueue: false,
      // Not on a cluster: ioredis groups auto-pipelined commands by the slot of
      // what it takes for the first key, which for a script defined with
      // defineCommand is the key count ("1"), so concurrent scripts on keys of
      // different nodes end up in one pipeline that it then refuses ("All keys
      // in the pipeline should belong to the same slots allocation group"),
      // an error that opened the breaker under the e2e storm.
      enableAutoPipelining: false,
      clusterRetryStrategy: backoff(options.reconnectMaxDelayMs),
      // Reconnect to a node that went away (a restarted replica or old master) instead of waiting for a MOVED.
      clusterNodeRetryStrategy: backoff(options.reconnectMaxDelayMs),
      // A MOVED/TRYAGAIN/CLUSTERDOWN during a failover is retried a few times, briefly; the command timeout still bounds it.
      retryDelayOnFailover: 50,
      retryDelayOnClusterDown: 50,
      retryDelayOnTryAgain: 50,
      slotsRefreshInterval: 2_000,
      slotsRefreshTimeout: Math.max(options.commandTimeoutMs, 1_000),
    });
  }
  if (!options.url) throw new Error('createRedisStore needs a url or clusterNodes');
  return new Redis(options.url, {
    ...common,
    enableOfflineQueue: false,
    // Commands issued in the same tick share one write (many concurrent requests, fewer syscalls).
    enableAutoPipelining: true,
    retryStrategy: backoff(options.reconnectMaxDelayMs),
    // RESP3: the connection subscribes to the cache's invalidations and keeps
    // running commands, so the messages arrive in order with its replies (the
    // in-process copy's fence, invalidation-feed.ts). The feed resubscribes itself.
    protocol: 3,
    autoResubscribe: false,
  });
}

/**
 * Redis via ioredis behind cockatiel: every command runs through a circuit
 * breaker (open after REDIS_BREAKER_THRESHOLD consecutive failures, one trial
 * command after REDIS_BREAKER_HALF_OPEN_MS, closed again on success), and
 * idempotent ones are retried with exponential backoff and jitter first.
 *
 * Commands fail fast instead of queueing while the connection is down
 * (enableOfflineQueue: false) and time out after REDIS_COMMAND_TIMEOUT_MS, so a
 * dead Redis costs a request milliseconds, and nothing once the breaker is open.
 * ioredis keeps reconnecting in the background (exponential, jittered delays).
 */
export async function createRedisStore(options: RedisStoreOptions): Promise<CacheStore> {
  const { logger, prefix } = options;
  const log = logger.child({ component: 'redis' });
  const client = createClient(options);

  const recoverListeners: (() => void)[] = [];
  const recovered = () => {
    for (const listener of recoverListeners) {
      try {
        listener();
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'cache recovery listener failed');
      }
    }
  };

  // One WARN per outage, not one per reconnection attempt.
  let connected = false;
  let everReady = false;
  let closing = false;
  client.on('ready', () => {
    if (everReady && !connected) log.info('Redis connection restored');
    connected = true;
    everReady = true;
    recovered();
  });
  client.on('error', (err: Error) => {
    if (connected) log.warn({ err: err.message }, 'Redis connection error');
    else log.debug({ err: err.message }, 'Redis still unreachable');
  });
  client.on('close', () => {
    if (connected && !closing) log.warn('Redis connection lost; reconnecting in the background');
    connected = false;
  });

  const breaker = circuitBreaker(handleWhen(isOutage), {
    halfOpenAfter: options.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(options.breakerThreshold),
  });
  breaker.onBreak(() => log.warn({ halfOpenAfterMs: options.halfOpenAfterMs }, 'Redis circuit breaker opened'));
  breaker.onHalfOpen(() => log.info('Redis circuit breaker half-open: sending a trial command'));
  breaker.onReset(() => {
    log.info('Redis circuit breaker closed');
    recovered();
  });
  const retrying: IPolicy =
    options.retryAttempts > 0
      ? wrap(
          retry(
            handleWhen((err) => isOutage(err) && !(err instanceof BrokenCircuitError) && !(err instanceof IsolatedCircuitError)),
            {
              maxAttempts: options.retryAttempts,
              backoff: new ExponentialBackoff({ initialDelay: 20, maxDelay: 250 }),
            },
          ),
          breaker,
        )
      : breaker;

  // Every command is numbered for the invalidation feed: its answer is also the fence of the lookups that began before it.
  let track: CommandTrack | undefined;
  async function exec<T>(fn: () => Promise<T>, idempotent: boolean): Promise<T> {
    const n = track?.sending() ?? 0;
    try {
      const result = await (idempotent ? retrying : breaker).execute(fn);
      track?.answered(n);
      return result;
    } catch (err) {
      if (err instanceof ReplyError) {
        track?.answered(n);
        throw err;
      }
      track?.failed(n, err as Error);
      if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) {
        throw new CacheUnavailableError('Redis circuit breaker is open', { cause: err });
      }
      throw new CacheUnavailableError(`Redis unavailable: ${(err as Error).message}`, { cause: err });
    }
  }

  // Scripts are sent as plain EVALSHA (EVAL when the server does not know the
  // script yet), not through ioredis' defineCommand: those two are ordinary
  // commands, so auto-pipelining writes a turn's scripts in the same write as
  // its other commands (one syscall for many requests' rate-limit hits). A
  // defined command could not be pipelined safely: ioredis copies the scripts
  // defined so far into each pipeline it creates, and one defined while an
  // auto-pipeline was pending (the first script call of a process, in the
  // same tick as a GET: a cold API under concurrent load) landed on a pipeline
  // without it, whose exec callback threw outside any promise ("results[i] is
  // not iterable") and stopped the process.
  const shas = new Map<string, string>();
  const evalScript = (script: AtomicScript<unknown>, keys: string[], args: (string | number)[]): Promise<unknown> => {
    let sha = shas.get(script.lua);
    if (!sha) shas.set(script.lua, (sha = createHash('sha1').update(script.lua).digest('hex')));
    return client.evalsha(sha, keys.length, ...keys, ...args).catch((err: unknown) => {
      // NOSCRIPT: not run, so sending the source is safe even for a script that must count once.
      if (err instanceof ReplyError && (err as Error).message.startsWith('NOSCRIPT')) return client.eval(script.lua, keys.length, ...keys, ...args);
      throw err;
    });
  };

  const k = (key: string) => prefix + key;
  /** Multi-key commands and scripts need one slot on a cluster; refused everywhere so a bad layout shows up in every test. */
  const ks = (keys: string[]) => {
    const prefixed = keys.map(k);
    assertOneSlot(prefixed);
    return prefixed;
  };

  // Start-up waits a moment for the first connection; without one the API
  // still starts and serves from PostgreSQL (degraded), and heals on reconnect.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      log.warn({ timeoutMs: options.connectTimeoutMs }, 'Redis not reachable at start-up; continuing degraded');
      resolve();
    }, options.connectTimeoutMs);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });

  const open = () => breaker.state === CircuitState.Closed;
  const feed = client instanceof Redis ? invalidationFeed(client, invalidationChannel(prefix), open, log) : undefined;
  track = feed;
  if (feed && client.status === 'ready') await feed.subscribing;
  const invalidations = feed ? { live: feed.live, fence: feed.fence, onInvalidated: feed.onInvalidated, onReset: feed.onReset } : undefined;

  return {
    kind: 'redis',
    prefix,
    ...(invalidations ? { invalidations } : {}),
    get: (key) => exec(() => client.get(k(key)), true),
    mget: async (keys) => {
      const prefixed = ks(keys);
      return exec(() => client.mget(prefixed), true);
    },
    set: (key, value, ttlMs) => exec(async () => void (await client.set(k(key), value, 'PX', ttlMs)), true),
    del: async (keys) => {
      if (!keys.length) return 0;
      const prefixed = ks(keys);
      return exec(() => client.del(...prefixed), true);
    },
    async run<R>(script: AtomicScript<R>, keys: string[], args: (string | number)[]): Promise<R> {
      const prefixed = ks(keys);
      const raw = await exec(() => evalScript(script as AtomicScript<unknown>, prefixed, args), script.idempotent);
      return script.decode(raw);
    },
    ping: () => exec(async () => void (await client.ping()), false),
    circuitState: () => stateNames[breaker.state],
    onRecover: (listener) => void recoverListeners.push(listener),
    async close() {
      closing = true;
      try {
        if (client.status === 'ready') await client.quit();
        else client.disconnect();
      } catch {
        client.disconnect();
      }
    },
  };
}
