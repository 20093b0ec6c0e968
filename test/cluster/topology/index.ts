import { startPgBouncer, type PgBouncer, type PgBouncerOptions } from './pgbouncer.ts';
import { startPrimary, startReplica, type PgServer, type PrimaryOptions } from './postgres.ts';
import { startRedisCluster, type RedisCluster, type RedisClusterOptions } from './redis-cluster.ts';
import { topologyRoot, type TopologyRoot } from './system.ts';

export type { PgBouncer } from './pgbouncer.ts';
export type { PgServer } from './postgres.ts';
export { setReplay } from './postgres.ts';
export type { RedisCluster } from './redis-cluster.ts';

/**
 * The scale-out topology of docs/operations.md, started for a suite on this
 * machine from its own binaries, in one temporary directory:
 *
 *   primary (initdb) ──streaming──> replica (pg_basebackup -R)
 *      ^
 *   PgBouncer, transaction mode
 *
 *   Redis Cluster: 3 masters, 1 replica each
 *
 * RabbitMQ stays the machine's (a node list is exercised in
 * src/infra/queue/rabbitmq.test.ts). close() stops everything; a crash of the
 * test process is cleaned up by the root's reaper (system.ts).
 */
export interface Topology {
  root: TopologyRoot;
  primary: PgServer;
  replica: PgServer | null;
  bouncer: PgBouncer | null;
  redis: RedisCluster | null;
  /**
   * Tempus' database variables for `database`: DATABASE_URL through PgBouncer
   * (or the primary without one), DATABASE_DIRECT_URL the primary,
   * DATABASE_READ_URL the replica; REDIS_CLUSTER_NODES with a Redis Cluster.
   * `direct`: DATABASE_URL straight to the primary too (PgBouncer's baseline).
   */
  env(database: string, options?: { direct?: boolean }): Record<string, string>;
  close(): Promise<void>;
}

export interface TopologyOptions {
  name?: string;
  replica?: boolean;
  pgbouncer?: boolean | PgBouncerOptions;
  redisCluster?: boolean | RedisClusterOptions;
  postgres?: PrimaryOptions;
  /**
   * Behind PgBouncer the timeouts Tempus sends as startup parameters are
   * dropped (ignore_startup_parameters), so they are set on the role, as
   * docs/operations.md tells operators to: DB_STATEMENT_TIMEOUT_MS and three
   * times it for idle transactions (Tempus' defaults: 10 s, 30 s). null = leave them unset.
   */
  statementTimeoutMs?: number | null;
}

export async function startTopology(options: TopologyOptions = {}): Promise<Topology> {
  const root = topologyRoot(options.name ?? 'topology');
  let primary: PgServer | undefined;
  let replica: PgServer | null = null;
  let bouncer: PgBouncer | null = null;
  let redis: RedisCluster | null = null;
  const close = async () => {
    // Gracefully where it is quick; reapSync (in remove) takes care of anything left.
    await bouncer?.stop().catch(() => undefined);
    await replica?.stop('immediate').catch(() => undefined);
    await primary?.stop('immediate').catch(() => undefined);
    root.remove();
  };
  try {
    const startRedis = options.redisCluster ? startRedisCluster(root, options.redisCluster === true ? {} : options.redisCluster) : Promise.resolve(null);
    // Either way, wait for both before going on: a failed start must not leave the other half running unnoticed.
    const [pgResult, redisResult] = await Promise.allSettled([startPrimary(root, options.postgres), startRedis]);
    if (pgResult.status === 'fulfilled') primary = pgResult.value;
    if (redisResult.status === 'fulfilled') redis = redisResult.value;
    if (pgResult.status === 'rejected') throw pgResult.reason;
    if (redisResult.status === 'rejected') throw redisResult.reason;
    const timeout = options.statementTimeoutMs === undefined ? 10_000 : options.statementTimeoutMs;
    if (timeout !== null) {
      await primary!.query(`alter role postgres set statement_timeout = ${Number(timeout)}`);
      await primary!.query(`alter role postgres set idle_in_transaction_session_timeout = ${Number(timeout) * 3}`);
    }
    if (options.replica) replica = await startReplica(root, primary!, options.postgres);
    if (options.pgbouncer) bouncer = await startPgBouncer(root, primary!, options.pgbouncer === true ? {} : options.pgbouncer);
  } catch (err) {
    await close();
    throw err;
  }
  const p = primary!;
  return {
    root,
    primary: p,
    replica,
    bouncer,
    redis,
    env: (database, { direct = false } = {}) => ({
      DATABASE_URL: bouncer && !direct ? bouncer.url(database) : p.url(database),
      DATABASE_DIRECT_URL: p.url(database),
      ...(replica ? { DATABASE_READ_URL: replica.url(database) } : {}),
      ...(redis ? { REDIS_CLUSTER_NODES: redis.seeds } : {}),
    }),
    close,
  };
}
