import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A throwaway PostgreSQL database on the server of DATABASE_URL, for suites
 * and benchmarks that need an outbox (or everything) to themselves. Free of
 * vitest so benchmarks can use it too.
 */
export interface IsolatedDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function isolatedDatabase(base = process.env.DATABASE_URL, prefix = 'tempus_msg'): Promise<IsolatedDatabase> {
  if (!base) throw new Error('isolatedDatabase needs DATABASE_URL');
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

