import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows, type Db } from '../../src/infra/db/client.ts';
import { createReadRouting, lsnValue, withTenantRead, type ReadRouting } from '../../src/infra/db/replica.ts';
import { createRedisStore } from '../../src/infra/cache/redis-store.ts';
import { setReplay, startTopology, type Topology } from '../cluster/topology/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { registerHospital } from '../helpers/factories.ts';
import { addMember } from '../helpers/member-factories.ts';
import { createDoctor, createPatient } from '../helpers/scheduling-factories.ts';
import { eventually } from '../helpers/messaging.ts';
import { onServices, serviceUrls } from '../helpers/target.ts';
import { startTcpProxy, viaProxy } from '../helpers/tcp-proxy.ts';

/**
 * The read replica (DATABASE_READ_URL) on a primary and a streaming replica
 * of our own (test/cluster/topology): which database a read runs on is asked
 * of the database itself (pg_is_in_recovery()), lag is made by pausing WAL
 * replay, an outage by stopping the replica.
 */
const MAX_LAG_SECONDS = 1;
const CHECK_INTERVAL_MS = 200;
const DATABASE = 'tempus_replica_test';

const onReplica = async (db: Db) => (await rawRows<{ standby: boolean }>(db, sql`select pg_is_in_recovery() as standby`))[0]!.standby;
const fallbacks = async (t: TestApp) => {
  const metric = await t.deps.metrics.registry.getSingleMetric('tempus_db_replica_fallbacks_total')!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.reason), v.value]));
};
const health = async (t: TestApp) => (await t.app.inject({ method: 'GET', url: '/health' })).json() as { status: string; checks: Record<string, Record<string, unknown>> };

describe.runIf(onServices)('read replica', () => {
  let topology: Topology;
  let t: TestApp;
  let reads: ReadRouting;

  beforeAll(async () => {
    topology = await startTopology({ name: 'replica-test', replica: true });
    await topology.primary.query(`create database ${DATABASE}`);
    t = await createTestApp({
      env: {
        ...topology.env(DATABASE),
        DATABASE_READ_MAX_LAG_SECONDS: String(MAX_LAG_SECONDS),
        DATABASE_READ_CHECK_INTERVAL_MS: String(CHECK_INTERVAL_MS),
      },
    });
    reads = t.deps.reads;
  });

  afterAll(async () => {
    await t?.close();
    await topology?.close();
  });

  it('serves anonymous reads from the replica once it has caught up, and says so in /health', async () => {
    await eventually(() => reads.check(), (s) => s.status === 'up', 'the replica in use');
    expect(await reads.read(null, onReplica)).toBe(true);
    // The primary stays the primary for everything else.
    expect(await onReplica(t.deps.database.db)).toBe(false);
    const h = await health(t);
    expect(h.checks.database_replica).toMatchObject({ status: 'up', maxLagSeconds: MAX_LAG_SECONDS });
    expect(h.checks.database_replica!.lagSeconds as number).toBeLessThanOrEqual(MAX_LAG_SECONDS);
  });

  it('applies the tenant context there too (RLS as tempus_app), and refuses writes', async () => {
    const h = await registerHospital(t);
    const name = await eventually(
      () => withTenantRead(reads, null, h.id, async (scope) => ({ standby: await onReplica(scope.tx as unknown as Db), rows: await rawRows<{ name: string }>(scope.tx, sql`select name from hospitals`) })),
      (r) => r.rows.length > 0,
      'the hospital on the replica',
    );
    // Without a filter, RLS alone limits the rows to the tenant's.
    expect(name).toEqual({ standby: true, rows: [{ name: 'Test Clinic' }] });
    await expect(reads.read(null, (db) => db.execute(sql`update hospitals set name = 'x' where id = ${h.id}`))).rejects.toMatchObject({
      cause: expect.objectContaining({ code: '25006' }),
    });
  });

  it('keeps a user on the primary right after their own write (any process: the marker is in the shared cache), others on the replica', async () => {
    const h = await registerHospital(t);
    // The HTTP layer marks the writer before the response leaves: the registration above was one.
    const ownerId = userIdOf(h.auth);
    const before = (await fallbacks(t)).recent_write ?? 0;
    expect(await reads.read({ userId: ownerId }, onReplica)).toBe(false);
    expect((await fallbacks(t)).recent_write).toBe(before + 1);
    expect(await reads.read({ userId: 'someone-else' }, onReplica)).toBe(true);
    // The marker is in the store under the user, for MAX_LAG + one check interval.
    expect(await t.deps.cache.store.get(`ryw:${ownerId}`)).toBe('1');
    expect(reads.readYourWritesMs).toBe(MAX_LAG_SECONDS * 1000 + CHECK_INTERVAL_MS);
    // A read is not a write: it sets nothing; after the window the user reads the replica again.
    await eventually(() => reads.read({ userId: ownerId }, onReplica), (standby) => standby, 'the window to pass');
    await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: h.auth });
    expect(await reads.read({ userId: ownerId }, onReplica)).toBe(true);
  });

  it('falls back to the primary while the replica lags beyond the bound, and returns to it once caught up', async () => {
    await setReplay(topology.replica!, false);
    try {
      const h = await registerHospital(t);
      const lagging = await eventually(() => reads.check(), (s) => s.status === 'lagging', 'the replica to count as lagging');
      expect(lagging).toMatchObject({ status: 'lagging' });
      const before = (await fallbacks(t)).lagging ?? 0;
      // The write is not on the paused replica, but the read finds it: it ran on the primary.
      const rows = await withTenantRead(reads, null, h.id, (scope) => rawRows<{ id: string }>(scope.tx, sql`select id from hospitals`));
      expect(rows).toEqual([{ id: h.id }]);
      expect((await fallbacks(t)).lagging).toBe(before + 1);
      const report = await health(t);
      expect([report.status, report.checks.database_replica]).toEqual(['degraded', expect.objectContaining({ status: 'down', state: 'lagging', maxLagSeconds: MAX_LAG_SECONDS })]);
    } finally {
      await setReplay(topology.replica!, true);
    }
    await eventually(() => reads.check(), (s) => s.status === 'up', 'the replica back in use');
    expect(await reads.read(null, onReplica)).toBe(true);
  });

  it('survives the replica going away: the read in flight is answered by the primary, later ones go there until it is back', async () => {
    // A routing that checks only when told (the app's own checks every 200 ms and would notice first).
    const manual = createReadRouting({
      primary: t.deps.database,
      replica: t.deps.reads.replica,
      store: t.deps.cache.store,
      logger: pino({ level: 'silent' }),
      metrics: t.deps.metrics,
      maxLagSeconds: MAX_LAG_SECONDS,
      checkIntervalMs: 60_000,
    });
    expect((await manual.check()).status).toBe('up');
    await topology.replica!.stop('immediate');
    try {
      const before = await fallbacks(t);
      // Not noticed yet: the read fails on the replica and runs again on the primary.
      expect(await manual.read(null, onReplica)).toBe(false);
      expect((await fallbacks(t)).error).toBe((before.error ?? 0) + 1);
      expect(manual.state().status).toBe('down');
      expect(await manual.read(null, onReplica)).toBe(false);
      expect((await fallbacks(t)).down).toBe((before.down ?? 0) + 1);
      expect((await manual.check()).status).toBe('down');
      // The app's own monitor has seen it too: /health says so (degraded, not down: the primary serves).
      const report = await eventually(() => health(t), (h) => h.checks.database_replica?.status === 'down', 'the replica reported down');
      expect([report.status, report.checks.database_replica!.state]).toEqual(['degraded', 'down']);
    } finally {
      await topology.replica!.start();
    }
    await eventually(() => manual.check(), (s) => s.status === 'up', 'the replica back in use', 30_000);
    expect(await manual.read(null, onReplica)).toBe(true);
    await eventually(() => reads.check(), (s) => s.status === 'up', 'the app back on the replica', 30_000);
  });

  it('sends a reader to the primary when the marker cannot be read (Redis unreachable)', async () => {
    const target = new URL(serviceUrls().REDIS_URL!);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    const store = await createRedisStore({
      url: viaProxy(serviceUrls().REDIS_URL!, proxy),
      prefix: t.config.env.REDIS_KEY_PREFIX,
      commandTimeoutMs: 200,
      connectTimeoutMs: 1_000,
      reconnectMaxDelayMs: 100,
      retryAttempts: 0,
      breakerThreshold: 1,
      halfOpenAfterMs: 60_000,
      logger: pino({ level: 'silent' }),
    });
    const routing = createReadRouting({
      primary: t.deps.database,
      replica: t.deps.reads.replica,
      store,
      logger: pino({ level: 'silent' }),
      maxLagSeconds: MAX_LAG_SECONDS,
      checkIntervalMs: 60_000,
    });
    try {
      await routing.check();
      expect(await routing.read({ userId: 'u' }, onReplica)).toBe(true);
      proxy.cut();
      expect(await routing.read({ userId: 'u' }, onReplica)).toBe(false);
      // Anonymous reads need no marker.
      expect(await routing.read(null, onReplica)).toBe(true);
      // And a write's marker that cannot be stored does not fail the write's response.
      await expect(routing.wrote('u')).resolves.toBeUndefined();
    } finally {
      // Not routing.close(): the replica's pool belongs to the app.
      await store.close();
      await proxy.close();
    }
  });

  it('routes lists, availability and public pages to the replica over HTTP; the writer reads their own write from the primary', async () => {
    // A lag bound far above the test's length: the paused replica stays "in use" while it falls behind.
    const app = await createTestApp({ env: { ...topology.env(DATABASE), DATABASE_READ_MAX_LAG_SECONDS: '600', DATABASE_READ_CHECK_INTERVAL_MS: String(CHECK_INTERVAL_MS) } });
    try {
      const h = await registerHospital(app);
      const colleague = await addMember(app, h, 'staff');
      const doctor = await createDoctor(app, h.auth);
      await eventually(() => app.deps.reads.check(), (s) => s.status === 'up', 'the replica in use');
      await eventually(
        async () => (await app.app.inject({ method: 'GET', url: `/v1/public/hospitals/${h.subdomain}/doctors` })).json().data?.length ?? 0,
        (n) => n === 1,
        'the doctor on the replica',
      );
      await setReplay(topology.replica!, false);
      try {
        const fresh = await createDoctor(app, h.auth);
        const doctorIds = async (auth: { authorization: string }) =>
          ((await app.app.inject({ method: 'GET', url: '/v1/doctors?limit=100', headers: auth })).json().data as { id: string }[]).map((d) => d.id);
        // The writer, right after the write: from the primary, the doctor is there.
        expect(await doctorIds(h.auth)).toContain(fresh.id);
        // A colleague who wrote nothing reads the (paused) replica: not there yet.
        expect(await doctorIds(colleague.auth)).not.toContain(fresh.id);
        // Lists that name patients record access events in the same transaction, so they read the primary (docs/privacy.md).
        const patient = await createPatient(app, h.auth, { name: 'Fresh Patient' });
        const patientIds = async (auth: { authorization: string }) =>
          ((await app.app.inject({ method: 'GET', url: '/v1/patients?limit=100', headers: auth })).json().data as { id: string }[]).map((p) => p.id);
        expect(await patientIds(colleague.auth)).toContain(patient.id);
        // Public pages too: the doctor added now is not on the replica's public list.
        expect((await app.app.inject({ method: 'GET', url: `/v1/public/hospitals/${h.subdomain}/doctors` })).json().data).toHaveLength(1);
        const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
        expect((await app.app.inject({ method: 'GET', url: `/v1/doctors/${doctor.id}/availability?from=${day}&to=${day}`, headers: colleague.auth })).statusCode).toBe(200);
      } finally {
        await setReplay(topology.replica!, true);
      }
      const routed = await app.deps.metrics.registry.getSingleMetric('tempus_db_routed_reads_total')!.get();
      expect(routed.values.find((v) => v.labels.target === 'replica')?.value).toBeGreaterThan(0);
      await eventually(
        async () => (await app.app.inject({ method: 'GET', url: `/v1/public/hospitals/${h.subdomain}/doctors` })).json().data.length,
        (n) => n === 2,
        'the replica caught up',
      );
    } finally {
      await app.close();
    }
  });

  it('compares WAL positions as numbers', () => {
    expect(lsnValue('0/3000000') < lsnValue('0/3000028')).toBe(true);
    expect(lsnValue('1/0') > lsnValue('0/FFFFFFFF')).toBe(true);
    expect(lsnValue('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
  });
});

/** The signed-in user's id: the token's subject, as the API reads it. */
function userIdOf(auth: { authorization: string }): string {
  const token = auth.authorization.replace(/^Bearer /, '');
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string };
  return payload.sub;
}
