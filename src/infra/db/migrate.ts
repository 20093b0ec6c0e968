import { fileURLToPath } from 'node:url';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import type { Database } from './client.ts';

export const migrationsFolder = fileURLToPath(new URL('../../../drizzle', import.meta.url));

// Any constant works; it only has to be the same in every Tempus process.
const MIGRATION_LOCK_KEY = 727_001;

/**
 * Applies pending migrations. With PostgreSQL the run holds a session advisory
 * lock, so processes starting together queue up instead of racing on DDL.
 *
 * A session lock needs a session: the run opens its own connection to
 * `directUrl` (DATABASE_DIRECT_URL: PostgreSQL itself, not PgBouncer in
 * transaction mode, which would hand the lock's server connection to other
 * clients between statements and let two migrators in at once).
 */
export async function runMigrations(database: Database, directUrl?: string): Promise<void> {
  if (database.pglite) {
    await migratePglite(drizzlePglite(database.pglite), { migrationsFolder });
    return;
  }
  if (!directUrl) throw new Error('migrations on PostgreSQL need DATABASE_DIRECT_URL (or DATABASE_URL)');
  const client = new pg.Client({ connectionString: directUrl, application_name: 'tempus-migrate', connectionTimeoutMillis: 10_000 });
  // A connection lost mid-run fails the next query; without a listener it would crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await migratePg(drizzlePg(client), { migrationsFolder });
    } finally {
      // Ending the session releases it too; do not let a failed unlock hide the migration's own error.
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
