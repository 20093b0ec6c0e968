import { chownSync, existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { freePort, isRoot, queryOnce, readPid, runAsPostgres, stopPidFile, waitFor, type TopologyRoot } from './system.ts';

/**
 * PgBouncer (Debian's /usr/sbin/pgbouncer) in transaction mode in front of
 * one PostgreSQL, on a free loopback port, configured as docs/operations.md
 * recommends for Tempus:
 * - `pool_mode = transaction`: a server connection belongs to a client only
 *   for one transaction;
 * - `ignore_startup_parameters = statement_timeout,
 *   idle_in_transaction_session_timeout`: node-postgres sends Tempus' timeouts
 *   as startup parameters, which PgBouncer would otherwise refuse; behind it
 *   they are the role's defaults instead (ALTER ROLE ... SET);
 * - every database name maps to the same server (`*`), so suites can create
 *   databases of their own behind it.
 */
/** Debian installs it under /usr/sbin, which an ordinary user's PATH may lack. */
function pgbouncerBinary(): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin'].filter(Boolean);
  const found = dirs.map((d) => path.join(d, 'pgbouncer')).find((f) => existsSync(f));
  if (!found) throw new Error('pgbouncer not found: the scale-out suites need it (apt-get install -y pgbouncer; .ci/run does)');
  return found;
}

export interface PgBouncer {
  port: number;
  /** Server connections per (database, user) pool. */
  poolSize: number;
  url(database?: string): string;
  /** Rows of an admin console command (`SHOW POOLS`, `SHOW STATS`, ...). */
  admin<T extends pg.QueryResultRow = pg.QueryResultRow>(command: string): Promise<T[]>;
  isUp(): Promise<boolean>;
  /** SIGTERM: immediate shutdown, every client connection dropped. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface PgBouncerOptions {
  poolSize?: number;
  maxClientConn?: number;
}

/** `target`: the PostgreSQL behind it (host 127.0.0.1 and user postgres unless given). */
export async function startPgBouncer(root: TopologyRoot, target: { port: number; host?: string; user?: string }, options: PgBouncerOptions = {}): Promise<PgBouncer> {
  const dir = root.subdir('pgbouncer');
  const port = await freePort();
  const poolSize = options.poolSize ?? 20;
  const ini = path.join(dir, 'pgbouncer.ini');
  const pidFile = path.join(dir, 'pgbouncer.pid');
  writeFileSync(
    ini,
    [
      '[databases]',
      `* = host=${target.host ?? '127.0.0.1'} port=${target.port} user=${target.user ?? 'postgres'}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      // Trust on loopback, as the servers behind it: the user is the one of the database line.
      'auth_type = any',
      'pool_mode = transaction',
      `default_pool_size = ${poolSize}`,
      'min_pool_size = 0',
      'reserve_pool_size = 0',
      `max_client_conn = ${options.maxClientConn ?? 1000}`,
      'ignore_startup_parameters = statement_timeout,idle_in_transaction_session_timeout',
      'server_login_retry = 1',
      // SHOW STATS totals are refreshed every stats_period: every second, so a suite can read them.
      'stats_period = 1',
      'admin_users = postgres',
      'stats_users = postgres',
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      `pidfile = ${pidFile}`,
      '',
    ].join('\n'),
  );
  if (isRoot) chownSync(ini, statSync(dir).uid, statSync(dir).gid);
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const admin = <T extends pg.QueryResultRow>(command: string) => queryOnce<T>(url('pgbouncer'), command);
  const isUp = async () => {
    try {
      await admin('SHOW VERSION');
      return true;
    } catch {
      return false;
    }
  };
  const bouncer: PgBouncer = {
    port,
    poolSize,
    url,
    admin,
    isUp,
    async stop() {
      await stopPidFile(pidFile, 'SIGTERM');
    },
    async start() {
      if (readPid(pidFile) && (await isUp())) return;
      await runAsPostgres(pgbouncerBinary(), ['-d', '-q', ini]);
      await waitFor(`PgBouncer on port ${port}`, isUp);
    },
  };
  await bouncer.start();
  return bouncer;
}
