import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from './client.ts';

/**
 * Waits for the database with capped exponential backoff and full jitter, so
 * a database that comes up after the API is not a crash loop.
 */
export async function waitForDatabase(database: Database, logger: Logger, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await database.ping();
      if (attempt > 1) logger.info({ attempt }, 'database reachable');
      return;
    } catch (err) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`database unreachable after ${timeoutSeconds}s: ${(err as Error).message}`);
      }
      const delay = Math.min(remaining, Math.random() * Math.min(5_000, 200 * 2 ** attempt));
      logger.warn({ attempt, err: (err as Error).message, retryInMs: Math.round(delay) }, 'database not reachable yet');
      await sleep(delay);
    }
  }
}

/**
 * The timeouts Tempus sends as startup parameters of every pooled connection
 * (DB_STATEMENT_TIMEOUT_MS and three times it for idle transactions) reach
 * the server only on a direct connection: PgBouncer refuses startup
 * parameters it does not know unless `ignore_startup_parameters` lists them,
 * and then drops them. Behind it they have to be the role's defaults
 * (`ALTER ROLE ... SET statement_timeout = ...`). This asks a pooled
 * connection what is in force and warns once when it is not what the
 * configuration says, so a deployment behind PgBouncer cannot lose its
 * timeouts silently. Returns the settings seen (ms).
 */
export async function checkSessionTimeouts(
  database: Database,
  expected: { statementTimeoutMs: number; idleInTransactionTimeoutMs: number },
  logger: Logger,
): Promise<Record<string, number> | null> {
  if (!database.pool) return null;
  const { rows } = await database.pool.query<{ name: string; setting: string }>(
    `select name, setting from pg_settings where name in ('statement_timeout', 'idle_in_transaction_session_timeout')`,
  );
  const seen = Object.fromEntries(rows.map((r) => [r.name, Number(r.setting)]));
  const want: Record<string, number> = {
    statement_timeout: expected.statementTimeoutMs,
    idle_in_transaction_session_timeout: expected.idleInTransactionTimeoutMs,
  };
  const wrong = Object.keys(want).filter((name) => seen[name] !== want[name]);
  if (wrong.length) {
    logger.warn(
      { expected: want, inForce: seen },
      `database timeouts not in force on pooled connections (${wrong.join(', ')}): behind PgBouncer set them on the role, e.g. ALTER ROLE <user> SET statement_timeout = '${want.statement_timeout}ms'`,
    );
  }
  return seen;
}

/**
 * DATABASE_DIRECT_URL must name the database DATABASE_URL reaches through
 * the pooler: migrations applied to another database, or a LISTEN on it,
 * would fail in ways that look like anything but a typo. One connection at
 * start-up compares current_database() on both sides.
 */
export async function checkDirectUrl(database: Database, directUrl: string | undefined, pooledUrl: string | undefined): Promise<void> {
  if (!database.pool || !directUrl || directUrl === pooledUrl) return;
  const client = new pg.Client({ connectionString: directUrl, application_name: 'tempus-check', connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const direct = (await client.query<{ db: string }>('select current_database() as db')).rows[0]!.db;
    const pooled = (await database.pool.query<{ db: string }>('select current_database() as db')).rows[0]!.db;
    if (direct !== pooled) {
      throw new Error(`DATABASE_DIRECT_URL reaches database "${direct}" but DATABASE_URL reaches "${pooled}": both must name the same database`);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
