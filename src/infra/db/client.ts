import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Metrics } from '../observability/metrics.ts';
import { parseRows, type RawResult } from './parsers.ts';
import { lockDataDir } from './pglite-lock.ts';
import { enablePreparedReads } from './prepared.ts';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Anything a repository can run a query on: the database or a transaction. */
export type Executor = Db | Tx;

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly db: Db;
  /** The pg pool in production mode (metrics, LISTEN); undefined when embedded. */
  readonly pool?: pg.Pool;
  /** The PGlite instance in embedded mode. */
  readonly pglite?: PGlite;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Times every query a pooled client runs (promise form, as drizzle uses it)
 * into tempus_db_query_duration_seconds, labelled by statement kind.
 */
function instrumentClient(client: pg.PoolClient, observe: (operation: string, seconds: number) => void): void {
  const original = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const result = original(...args);
    if (!(result instanceof Promise)) return result;
    const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string } | undefined)?.text ?? '');
    const operation = /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase() ?? 'other';
    const started = performance.now();
    const done = () => observe(operation, (performance.now() - started) / 1000);
    result.then(done, done);
    return result;
  };
}

/** The timeouts every pooled connection asks for (startup parameters); see checkSessionTimeouts for PgBouncer. */
export const sessionTimeouts = (env: Config['env']) => ({
  statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
  idleInTransactionTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS * 3,
});

export function createDatabase(config: Config, logger: Logger, metrics?: Pick<Metrics, 'dbQueryDuration'>): Database {
  const { env } = config;
  if (env.DATABASE_URL) {
    const timeouts = sessionTimeouts(env);
    const pool = new pg.Pool({
      connectionString: env.DATABASE_URL,
      max: env.DB_POOL_MAX,
      statement_timeout: timeouts.statementTimeoutMs,
      idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs,
      connectionTimeoutMillis: 5_000,
      application_name: 'tempus',
    });
    // A server restart kills idle clients; the pool replaces them. Without a
    // listener the 'error' event would crash the process.
    pool.on('error', (err) => logger.warn({ err: err.message }, 'idle database connection lost'));
    // The pool listens for errors on idle clients only. A checked-out client
    // whose connection dies between two queries (inside a transaction, e.g. the
    // relay's while it waits for RabbitMQ's confirms) emits 'error' with no
    // listener, which crashed the worker when PostgreSQL stopped (found by
    // test/faults). With this listener the next query on it fails instead, the
    // transaction rolls back through the ordinary error path, and the pool
    // discards the client when it is released.
    pool.on('connect', (client) => {
      client.on('error', (err) => logger.debug({ err: err.message }, 'database connection lost'));
    });
    if (metrics) {
      const known = new Set(['select', 'insert', 'update', 'delete', 'with', 'begin', 'commit', 'rollback']);
      pool.on('connect', (client) =>
        instrumentClient(client, (operation, seconds) =>
          metrics.dbQueryDuration.observe({ operation: known.has(operation) ? operation : 'other' }, seconds),
        ),
      );
    }
    if (env.DB_PREPARED_READS) enablePreparedReads(pool);
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    return {
      kind: 'postgres',
      db,
      pool,
      ping: async () => {
        await pool.query('select 1');
      },
      close: () => pool.end(),
    };
  }
  const dataDir = path.resolve(env.DATA_DIR, 'pglite');
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  const client = new PGlite(dataDir, { extensions: { btree_gist, pg_trgm } });
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    pglite: client,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      try {
        await client.close();
      } finally {
        unlock();
      }
    },
  };
}

/**
 * Rows of a raw `db.execute`, the same on pg and PGlite: timestamptz columns
 * as Dates, json/jsonb parsed (src/infra/db/parsers.ts).
 */
export async function rawRows<T>(executor: Executor, query: ReturnType<typeof sql>): Promise<T[]> {
  return parseRows<T>((await executor.execute(query)) as unknown as RawResult);
}
