import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { CacheStore } from '../cache/store.ts';
import type { HealthCheck } from '../observability/health.ts';
import type { Metrics } from '../observability/metrics.ts';
import { createDatabase, type Database, type Db } from './client.ts';
import { isUnavailableError } from './errors.ts';
import { withTenant, type TenantScope } from './tenant.ts';

/**
 * Reads that may be served by a streaming replica (DATABASE_READ_URL):
 * availability, lists and public pages. Everything else, and every read a
 * write depends on, keeps using the primary `db` and never comes here.
 *
 *   const rows = await reads.read(actor, (db) => listThings(db, ...));          // any read
 *   const page = await withTenantRead(reads, actor, hospitalId, (scope) => ...);   // a tenant read
 *
 * A read goes to the primary instead when:
 * - no replica is configured, or its last lag check failed or found it more
 *   than DATABASE_READ_MAX_LAG_SECONDS behind (checked every
 *   DATABASE_READ_CHECK_INTERVAL_MS in the background, never per request);
 * - the reader wrote something in the last `readYourWritesMs` (a marker per
 *   user in the shared cache, set by the HTTP layer before a write's response
 *   leaves), or that marker cannot be read;
 * - the replica fails mid-read with "unavailable" (the read runs again on the
 *   primary: reads are safe to repeat, and the replica counts as down from then
 *   until the next check says otherwise).
 * Each of these counts in tempus_db_replica_fallbacks_total{reason}.
 *
 * Why a marker and not LSNs: the window is derived from the lag bound that the
 * monitor enforces anyway (a replica in use is at most MAX_LAG behind as of its
 * last check, so a write older than MAX_LAG + one interval is on it), it costs
 * one cache GET per routed read and one SET per write and nothing in
 * PostgreSQL, and it holds across processes and PgBouncer. Comparing the
 * replica's replay LSN with each user's last commit LSN would be tighter, but
 * needs pg_current_wal_lsn() after every write transaction, the LSN kept per
 * user in the same shared cache, and a replay LSN that is itself only sampled.
 */
export interface Reader {
  userId: string;
}

export type ReplicaState =
  | { status: 'disabled' }
  | { status: 'unknown' }
  | { status: 'up'; lagSeconds: number; checkedAt: number }
  | { status: 'lagging'; lagSeconds: number | null; checkedAt: number }
  | { status: 'down'; error: string; checkedAt: number };

export type FallbackReason = 'down' | 'lagging' | 'error' | 'recent_write' | 'marker_unavailable';

export interface ReadRouting {
  /** The replica's database, or null when DATABASE_READ_URL is unset. */
  readonly replica: Database | null;
  /** How long a user's reads stay on the primary after their write. */
  readonly readYourWritesMs: number;
  state(): ReplicaState;
  /** Runs a read that tolerates the replica's bounded lag; `reader` null = anonymous (public pages). */
  read<T>(reader: Reader | null, fn: (db: Db) => Promise<T>): Promise<T>;
  /** The user has just written: their reads go to the primary for readYourWritesMs. Never throws. */
  wrote(userId: string): Promise<void>;
  /** One lag check now (the background loop calls it; tests too). */
  check(): Promise<ReplicaState>;
  healthCheck: HealthCheck;
  close(): Promise<void>;
}

/** A tenant read (RLS context and tenant role, as withTenant) on the database `reads` picks for `reader`. */
export function withTenantRead<T>(reads: ReadRouting, reader: Reader | null, hospitalId: string, fn: (scope: TenantScope<null>) => Promise<T>): Promise<T> {
  return reads.read(reader, (db) => withTenant(db, hospitalId, fn));
}

const markerKey = (userId: string) => `ryw:${userId}`;

/** 'X/Y' (hex halves) to a comparable number. */
export function lsnValue(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

export interface ReadRoutingOptions {
  primary: Database;
  /** null: no replica; every read goes to the primary. */
  replica: Database | null;
  store: CacheStore;
  logger: Logger;
  metrics?: Pick<Metrics, 'replicaFallbacks' | 'routedReads'>;
  maxLagSeconds: number;
  checkIntervalMs: number;
}

export function createReadRouting(options: ReadRoutingOptions): ReadRouting {
  const { primary, replica, store, metrics, maxLagSeconds, checkIntervalMs } = options;
  const log = options.logger.child({ component: 'read-replica' });
  const readYourWritesMs = maxLagSeconds * 1000 + checkIntervalMs;
  let state: ReplicaState = replica ? { status: 'unknown' } : { status: 'disabled' };
  /** Primary WAL positions seen by recent checks (oldest first), to date what the replica has replayed. */
  let samples: { at: number; lsn: bigint }[] = [];
  let running: Promise<ReplicaState> | null = null;
  let timer: NodeJS.Timeout | undefined;

  const setState = (next: ReplicaState) => {
    const before = state.status;
    state = next;
    if (before === next.status) return;
    const detail = 'error' in next ? { err: next.error } : 'lagSeconds' in next ? { lagSeconds: next.lagSeconds } : {};
    if (next.status === 'up') log.info(detail, before === 'unknown' ? 'read replica in use' : 'read replica back in use');
    else log.warn({ ...detail, maxLagSeconds }, `read replica ${next.status}: reads go to the primary`);
  };

  async function measure(): Promise<ReplicaState> {
    const at = Date.now();
    try {
      // First the primary's position, then the replica's: a replica at or past
      // a position sampled at `at` holds every commit made before `at`.
      const { rows: p } = await primary.pool!.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
      samples.push({ at, lsn: lsnValue(p[0]!.lsn) });
      const keepMs = readYourWritesMs + 2 * checkIntervalMs;
      samples = samples.filter((s, i) => i === samples.length - 1 || at - s.at <= keepMs);
      const { rows: r } = await replica!.pool!.query<{ standby: boolean; replay: string | null }>(
        'select pg_is_in_recovery() as standby, pg_last_wal_replay_lsn()::text as replay',
      );
      const { standby, replay } = r[0]!;
      if (!standby || !replay) return { status: 'down', error: 'DATABASE_READ_URL is not a standby in recovery (promoted?)', checkedAt: at };
      const replayed = lsnValue(replay);
      const reached = samples.filter((s) => s.lsn <= replayed).at(-1);
      const now = Date.now();
      if (!reached) return { status: 'lagging', lagSeconds: (now - samples[0]!.at) / 1000, checkedAt: at };
      const lagSeconds = (now - reached.at) / 1000;
      return lagSeconds > maxLagSeconds ? { status: 'lagging', lagSeconds, checkedAt: at } : { status: 'up', lagSeconds, checkedAt: at };
    } catch (err) {
      return { status: 'down', error: (err as Error).message, checkedAt: at };
    }
  }

  const check = (): Promise<ReplicaState> => {
    if (!replica) return Promise.resolve(state);
    running ??= measure()
      .then((next) => (setState(next), next))
      .finally(() => (running = null));
    return running;
  };

  const fallback = <T>(reason: FallbackReason, fn: (db: Db) => Promise<T>) => {
    metrics?.replicaFallbacks.inc({ reason });
    metrics?.routedReads.inc({ target: 'primary' });
    return fn(primary.db);
  };

  async function recentlyWrote(reader: Reader): Promise<boolean | 'unknown'> {
    try {
      return (await store.get(markerKey(reader.userId))) !== null;
    } catch {
      return 'unknown';
    }
  }

  if (replica) {
    timer = setInterval(() => void check(), checkIntervalMs);
    timer.unref();
  }

  return {
    replica,
    readYourWritesMs,
    state: () => state,
    async read(reader, fn) {
      if (!replica) return fn(primary.db);
      if (state.status !== 'up') return fallback(state.status === 'lagging' ? 'lagging' : 'down', fn);
      if (reader) {
        const wrote = await recentlyWrote(reader);
        if (wrote === 'unknown') return fallback('marker_unavailable', fn);
        if (wrote) return fallback('recent_write', fn);
      }
      try {
        const result = await fn(replica.db);
        metrics?.routedReads.inc({ target: 'replica' });
        return result;
      } catch (err) {
        if (!isUnavailableError(err)) throw err;
        setState({ status: 'down', error: (err as Error).message, checkedAt: Date.now() });
        return fallback('error', fn);
      }
    },
    async wrote(userId) {
      if (!replica) return;
      await store.set(markerKey(userId), '1', readYourWritesMs).catch((err: Error) =>
        // Without the cache the marker cannot be read either: those reads go to the primary (marker_unavailable).
        log.debug({ err: err.message }, 'read-your-writes marker not stored'),
      );
    },
    check,
    healthCheck: {
      name: 'database_replica',
      critical: false,
      async run() {
        const s = state;
        if (s.status === 'disabled') return { status: 'disabled', reason: 'DATABASE_READ_URL is unset: every read goes to the primary' };
        if (s.status === 'up') return { status: 'up', lagSeconds: s.lagSeconds, maxLagSeconds };
        if (s.status === 'lagging') return { status: 'down', state: 'lagging', lagSeconds: s.lagSeconds, maxLagSeconds, error: 'behind by more than DATABASE_READ_MAX_LAG_SECONDS: reads go to the primary' };
        if (s.status === 'unknown') return { status: 'down', state: 'unknown', error: 'not checked yet: reads go to the primary' };
        return { status: 'down', state: 'down', error: `${s.error}: reads go to the primary` };
      },
    },
    async close() {
      clearInterval(timer);
      await running?.catch(() => undefined);
      await replica?.close();
    },
  };
}

/**
 * The replica side of createDeps: a second pool (same settings, metrics and
 * error handling as the primary's, DB_POOL_MAX connections) on
 * DATABASE_READ_URL, its first lag check done, or null when unset.
 */
export async function createReadRoutingFromConfig(
  config: Config,
  primary: Database,
  store: CacheStore,
  logger: Logger,
  metrics?: Pick<Metrics, 'dbQueryDuration' | 'replicaFallbacks' | 'routedReads'>,
): Promise<ReadRouting> {
  const { env } = config;
  const replica = env.DATABASE_READ_URL
    ? createDatabase({ ...config, env: { ...env, DATABASE_URL: env.DATABASE_READ_URL } }, logger.child({ database: 'replica' }), metrics)
    : null;
  const reads = createReadRouting({
    primary,
    replica,
    store,
    logger,
    ...(metrics ? { metrics } : {}),
    maxLagSeconds: env.DATABASE_READ_MAX_LAG_SECONDS,
    checkIntervalMs: env.DATABASE_READ_CHECK_INTERVAL_MS,
  });
  await reads.check();
  return reads;
}
