import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { rawRows } from '../../src/infra/db/client.ts';
import { createDeps } from '../../src/deps.ts';
import { createTestApp } from '../helpers/app.ts';
import { registerHospital } from '../helpers/factories.ts';
import { onServices, serviceUrls } from '../helpers/target.ts';
import { startTcpProxy, viaProxy } from '../helpers/tcp-proxy.ts';

const silent = pino({ level: 'silent' });

describe.skipIf(onServices)('embedded database', () => {
  it('keeps data across a restart on the same data directory', async () => {
    const first = await createTestApp();
    const h = await registerHospital(first);
    await first.close();
    const second = await createTestApp({ dataDir: first.dataDir });
    const res = await second.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: h.auth });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.subdomain).toBe(h.subdomain);
    await second.close();
  });

  it('refuses a second process on the same data directory with a clear message', async () => {
    const first = await createTestApp();
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: first.dataDir });
    // Same process here, so pretend the lock belongs to another live process (our parent).
    const lockFile = `${first.dataDir}/pglite/tempus.lock`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(lockFile, String(process.ppid));
    await expect(createDeps(config, silent)).rejects.toThrow(/in use by process \d+.*npm start/);
    writeFileSync(lockFile, String(process.pid));
    await first.close();
  });
});

describe.runIf(onServices)('PostgreSQL start-up', () => {
  it('lets two processes starting together both migrate and come up', async () => {
    const config = loadConfig({ NODE_ENV: 'test', ...serviceUrls(), DB_POOL_MAX: '2' });
    const both = await Promise.all([createDeps(config, silent), createDeps(config, silent)]);
    for (const deps of both) {
      const rows = await rawRows<{ n: number }>(deps.database.db, sql`select count(*)::int as n from subscription_plans where is_default`);
      expect(rows[0]?.n).toBe(1);
    }
    await Promise.all(both.map((d) => d.close()));
  });

  it('waits for a database that comes up after the process starts', async () => {
    const target = new URL(serviceUrls().DATABASE_URL);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    proxy.cut();
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: viaProxy(serviceUrls().DATABASE_URL, proxy), DB_POOL_MAX: '2' });
    let settled = false;
    const starting = createDeps(config, silent).finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(settled).toBe(false);
    proxy.restore();
    const deps = await starting;
    await deps.database.ping();
    await deps.close();
    await proxy.close();
  });
});
