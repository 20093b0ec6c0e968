import { existsSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { freePort, pgBin, queryOnce, runAsPostgres, waitFor, type TopologyRoot } from './system.ts';

/**
 * PostgreSQL servers of our own, never the machine's cluster: a primary made
 * with `initdb` in a temporary directory and a streaming replica of it made
 * with `pg_basebackup -R` (standby.signal + primary_conninfo), each on a free
 * loopback port with trust authentication, run with `pg_ctl` from
 * `pg_config --bindir` as the postgres user.
 */
export interface PgServer {
  role: 'primary' | 'replica';
  port: number;
  dataDir: string;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url(database?: string): string;
  /** One query on a fresh connection (no pool to leak between stops and starts). */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[], database?: string): Promise<T[]>;
  isUp(): Promise<boolean>;
  /** `pg_ctl stop -m fast` (or `immediate`: a crash, no shutdown checkpoint). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
}

export interface PrimaryOptions {
  /** false (default) for test speed; true where the numbers matter (bench). */
  durable?: boolean;
  maxConnections?: number;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>;
}

function server(role: PgServer['role'], port: number, dataDir: string, socketDir: string, settings: Record<string, string | number>): PgServer {
  const logFile = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.log`);
  const options = [`-p ${port}`, '-c listen_addresses=127.0.0.1', `-c unix_socket_directories=${socketDir}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)];
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const query = <T extends pg.QueryResultRow>(text: string, values: unknown[] = [], database = 'postgres') => queryOnce<T>(url(database), text, values);
  const isUp = async () => {
    try {
      await query('select 1');
      return true;
    } catch {
      return false;
    }
  };
  return {
    role,
    port,
    dataDir,
    url,
    query,
    isUp,
    async stop(mode = 'fast') {
      if (!existsSync(path.join(dataDir, 'postmaster.pid'))) return;
      await runAsPostgres(pgBin('pg_ctl'), ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']).catch(async (err: Error) => {
        // A stale pid file of a server that is gone already is not a failure to stop.
        if (await isUp()) throw err;
      });
    },
    async start() {
      if (await isUp()) return;
      await runAsPostgres(pgBin('pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', options.join(' '), 'start']);
      await waitFor(`${role} on port ${port}`, isUp);
    },
  };
}

export async function startPrimary(root: TopologyRoot, options: PrimaryOptions = {}): Promise<PgServer> {
  const dataDir = path.join(root.subdir('pg'), 'primary');
  await runAsPostgres(pgBin('initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const settings: Record<string, string | number> = {
    max_connections: options.maxConnections ?? 200,
    wal_level: 'replica',
    max_wal_senders: 5,
    ...(options.durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
    ...options.settings,
  };
  const primary = server('primary', await freePort(), dataDir, root.dir, settings);
  await primary.start();
  return primary;
}

/** A hot standby streaming from `primary` (pg_basebackup -R), started and caught up. */
export async function startReplica(root: TopologyRoot, primary: PgServer, options: PrimaryOptions = {}): Promise<PgServer> {
  const dataDir = path.join(root.subdir('pg'), 'replica');
  await runAsPostgres(pgBin('pg_basebackup'), ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', dataDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync']);
  const settings: Record<string, string | number> = {
    max_connections: options.maxConnections ?? 200,
    hot_standby: 'on',
    ...(options.durable ? {} : { fsync: 'off' }),
    ...options.settings,
  };
  const replica = server('replica', await freePort(), dataDir, root.dir, settings);
  await replica.start();
  await waitFor('the replica streaming', async () => (await primary.query("select 1 from pg_stat_replication where state = 'streaming'")).length === 1);
  return replica;
}

/** Pauses / resumes WAL replay on a replica: its data stops moving while the primary goes on (lag on demand). */
export async function setReplay(replica: PgServer, on: boolean): Promise<void> {
  await replica.query(on ? 'select pg_wal_replay_resume()' : 'select pg_wal_replay_pause()');
}
