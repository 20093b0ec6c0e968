import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A throwaway PostgreSQL database on the server of DATABASE_URL, for suites
 * and benchmarks that need an outbox (or everything) to themselves. Free of
 * vitest so benchmarks can use it too.
 *
 * When DATABASE_URL is a PgBouncer and DATABASE_DIRECT_URL the server behind
 * it, the database is made on the server and `directUrl` names it there, so
 * an app given both (as Tempus wants them) migrates and LISTENs on the same
 * database its pool queries through PgBouncer.
 */
export interface IsolatedDatabase {
  url: string;
  /** The same database without the pooler (DATABASE_DIRECT_URL); equal to `url` without one. */
  directUrl: string;
  drop(): Promise<void>;
}

const withDatabase = (base: string, name: string) => {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
};

export async function isolatedDatabase(
  base = process.env.DATABASE_URL,
  prefix = 'tempus_msg',
  direct = base === process.env.DATABASE_URL ? process.env.DATABASE_DIRECT_URL : undefined,
): Promise<IsolatedDatabase> {
  if (!base) throw new Error('isolatedDatabase needs DATABASE_URL');
  const server = direct ?? base;
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(base, name),
    directUrl: withDatabase(server, name),
    async drop() {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
