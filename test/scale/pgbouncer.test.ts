import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createDeps } from '../../src/deps.ts';
import { rawRows, sessionTimeouts } from '../../src/infra/db/client.ts';
import { checkSessionTimeouts } from '../../src/infra/db/startup.ts';
import { createMessaging, type Messaging } from '../../src/messaging.ts';
import { startPgBouncer, type PgBouncer } from '../cluster/topology/pgbouncer.ts';
import { topologyRoot, type TopologyRoot } from '../cluster/topology/system.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { action, appointmentTestEnv, book, bookingFixture, daysAheadAt } from '../helpers/appointment-factories.ts';
import { isolatedDatabase, type IsolatedDatabase } from '../helpers/isolated-database.ts';
import { eventually } from '../helpers/messaging.ts';
import { pgWireLog, type PgWireLog } from '../helpers/pg-wire.ts';
import { availability } from '../helpers/scheduling-factories.ts';
import { onServices, serviceUrls } from '../helpers/target.ts';
import { startTcpProxy, viaProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

/**
 * Tempus behind PgBouncer in transaction mode (SPEC section 17): a PgBouncer
 * of our own in front of the machine's PostgreSQL, with a database of our
 * own, DATABASE_URL through PgBouncer and DATABASE_DIRECT_URL straight to the
 * server. What goes over the wire is read from the bytes themselves (a tap on
 * a TCP proxy in front of PgBouncer): that is what PgBouncer sees.
 */
const POOL_SIZE = 3;
const APP_POOL = 10;

describe.runIf(onServices)('behind PgBouncer in transaction mode', () => {
  let root: TopologyRoot;
  let bouncer: PgBouncer;
  let db: IsolatedDatabase;
  let tap: TcpProxy;
  let wire: PgWireLog;
  let t: TestApp;
  let messaging: Messaging;
  const pooledUrl = () => bouncer.url(new URL(db.directUrl).pathname.slice(1));

  beforeAll(async () => {
    const server = new URL(process.env.DATABASE_DIRECT_URL ?? serviceUrls().DATABASE_URL);
    root = topologyRoot('pgbouncer-test');
    bouncer = await startPgBouncer(root, { host: server.hostname, port: Number(server.port || 5432), user: decodeURIComponent(server.username) || 'postgres' }, { poolSize: POOL_SIZE });
    db = await isolatedDatabase(server.toString(), 'tempus_pgb', server.toString());
    // As docs/operations.md says: behind PgBouncer the timeouts are the database's (or role's) defaults.
    const { statementTimeoutMs, idleInTransactionTimeoutMs } = sessionTimeouts(loadConfig({}).env);
    const name = new URL(db.directUrl).pathname.slice(1);
    const admin = new pg.Client({ connectionString: db.directUrl });
    await admin.connect();
    await admin.query(`alter database ${name} set statement_timeout = ${statementTimeoutMs}`);
    await admin.query(`alter database ${name} set idle_in_transaction_session_timeout = ${idleInTransactionTimeoutMs}`);
    await admin.end();
    wire = pgWireLog();
    tap = await startTcpProxy('127.0.0.1', bouncer.port, { onClientData: wire.feed });
    t = await createTestApp({
      env: {
        ...appointmentTestEnv,
        DATABASE_URL: viaProxy(pooledUrl(), tap),
        DATABASE_DIRECT_URL: db.directUrl,
        DB_POOL_MAX: String(APP_POOL),
        // Only a NOTIFY on the direct connection can wake the transport within the test.
        RELAY_POLL_INTERVAL_MS: '600000',
      },
    });
    // The in-process transport: outbox rows delivered (emails to files), woken by LISTEN on DATABASE_DIRECT_URL.
    messaging = createMessaging(t.deps, { transport: 'inline', scheduler: false });
    await messaging.start();
  });

  afterAll(async () => {
    await messaging?.stop();
    await t?.close();
    await tap?.close();
    await bouncer?.stop();
    await db?.drop();
    root?.remove();
  });

  it('runs a booking flow: book, conflict, idempotent replay, availability, list, reschedule, cancel', async () => {
    const f = await bookingFixture(t);
    const start = daysAheadAt(2, 9);
    const key = randomUUID();
    const body = { doctorId: f.doctorId, patientId: f.patientId, start: start.toISOString(), durationMinutes: 30 };
    const booked = await book(t, f.auth, body, { 'idempotency-key': key });
    expect(booked.statusCode).toBe(201);
    const id = booked.json().data.id as string;
    const replay = await book(t, f.auth, body, { 'idempotency-key': key });
    expect([replay.statusCode, replay.headers['idempotent-replayed'], replay.json().data.id]).toEqual([201, 'true', id]);
    const other = await t.app.inject({ method: 'POST', url: '/v1/patients', headers: f.auth, payload: { name: 'Second Patient' } });
    const conflict = await book(t, f.auth, { ...body, patientId: other.json().data.id });
    expect([conflict.statusCode, conflict.json().code]).toEqual([409, 'SLOT_UNAVAILABLE']);

    const day = start.toISOString().slice(0, 10);
    const slots = await availability(t, f.auth, f.doctorId, day, day);
    expect(slots.slots.map((s) => s.start)).not.toContain(start.toISOString());
    const list = await t.app.inject({ method: 'GET', url: '/v1/appointments?limit=10', headers: f.auth });
    expect(list.json().data.map((a: { id: string }) => a.id)).toEqual([id]);

    const later = daysAheadAt(2, 11);
    const moved = await action(t, f.auth, id, 'reschedule', { start: later.toISOString() });
    expect([moved.statusCode, moved.json().data.start]).toEqual([200, later.toISOString()]);
    const cancelled = await action(t, f.auth, id, 'cancel', { reason: 'patient request' });
    expect([cancelled.statusCode, cancelled.json().data.status]).toEqual([200, 'cancelled']);
    // The freed slot is bookable again.
    expect((await book(t, f.auth, { ...body, start: later.toISOString() })).statusCode).toBe(201);
  });

  it(`multiplexes: ${APP_POOL * 3} concurrent bookings over ${APP_POOL} client connections and at most ${POOL_SIZE} server connections`, async () => {
    const f = await bookingFixture(t);
    const results = await Promise.all(
      Array.from({ length: APP_POOL * 3 }, (_, i) => book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(5 + i, 10).toISOString(), durationMinutes: 30 })),
    );
    expect(results.map((r) => r.statusCode)).toEqual(results.map(() => 201));
    const servers = await bouncer.admin<{ database: string }>('SHOW SERVERS');
    const ours = servers.filter((s) => s.database === new URL(db.directUrl).pathname.slice(1));
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.length).toBeLessThanOrEqual(POOL_SIZE);
    const clients = (await bouncer.admin<{ database: string }>('SHOW CLIENTS')).filter((c) => c.database === new URL(db.directUrl).pathname.slice(1));
    expect(clients.length).toBeGreaterThan(POOL_SIZE);
  });

  it('sends no named prepared statement and no session SET: unnamed Parse messages only, timeouts as startup parameters', async () => {
    const names = wire.parseNames();
    expect(names.length).toBeGreaterThan(50);
    expect(names.filter((n) => n !== '')).toEqual([]);
    const queries = wire.queries();
    // The tenant context travels with BEGIN (or with a one-statement read) in one simple-protocol message, the id a literal (src/infra/db/batch.ts).
    expect(queries.some((q) => /set_config\('app\.hospital_id', '[0-9a-f-]{36}', true\)/.test(q))).toBe(true);
    // Transaction-local settings only (SET LOCAL, set_config(..., true)); a plain SET would stay on a server connection that others get next.
    expect(queries.filter((q) => /^\s*(set|reset|discard)\s+(?!local\b)/i.test(q) || /set_config\([^)]*,\s*false\s*\)/i.test(q))).toEqual([]);
    // What needs a session never goes through PgBouncer: LISTEN and the migrations' lock use DATABASE_DIRECT_URL.
    expect(queries.filter((q) => /\b(listen|pg_advisory_lock|prepare)\b/i.test(q))).toEqual([]);
    for (const startup of wire.startups) expect(startup).toMatchObject({ statement_timeout: '10000', application_name: 'tempus' });
  });

  it('has the timeouts in force through the database defaults, and warns when they are missing', async () => {
    const timeouts = sessionTimeouts(t.config.env);
    expect(await checkSessionTimeouts(t.deps.database, timeouts, pino({ level: 'silent' }))).toEqual({
      statement_timeout: timeouts.statementTimeoutMs,
      idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs,
    });
    // A database without them: PgBouncer drops the startup parameters, nothing is in force, start-up says so.
    const bare = await isolatedDatabase(db.directUrl, 'tempus_pgb_bare', db.directUrl);
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
    const deps = await createDeps(
      loadConfig({ NODE_ENV: 'test', DATABASE_URL: bouncer.url(new URL(bare.directUrl).pathname.slice(1)), DATABASE_DIRECT_URL: bare.directUrl, DB_POOL_MAX: '2' }),
      logger,
    );
    try {
      const warning = lines.map((l) => JSON.parse(l) as { msg: string; inForce: Record<string, number> }).find((l) => l.msg.startsWith('database timeouts not in force'));
      expect(warning?.inForce).toEqual({ statement_timeout: 0, idle_in_transaction_session_timeout: 0 });
      expect(warning?.msg).toMatch(/ALTER ROLE <user> SET statement_timeout = '10000ms'/);
    } finally {
      await deps.close();
      await bare.drop();
    }
  });

  it('LISTENs on the direct connection: a NOTIFY at commit wakes delivery at once', async () => {
    const f = await bookingFixture(t);
    // The welcome email of the registration, delivered by the woken in-process transport (the poll is ten minutes away).
    await eventually(
      () => rawRows<{ status: string }>(t.deps.database.db, sql`select status from notification_deliveries where recipient = ${f.hospital.email}`),
      (rows) => rows.some((r) => r.status === 'sent'),
      'the welcome email',
    );
    const listeners = await rawRows<{ application_name: string; client_port: number }>(
      t.deps.database.db,
      sql`select application_name, client_port from pg_stat_activity where datname = current_database() and application_name = 'tempus-outbox-listener'`,
    );
    expect(listeners).toHaveLength(1);
  });

  it('migrates through the direct URL under the advisory lock: two processes starting together behind PgBouncer', async () => {
    const fresh = await isolatedDatabase(db.directUrl, 'tempus_pgb_mig', db.directUrl);
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: bouncer.url(new URL(fresh.directUrl).pathname.slice(1)), DATABASE_DIRECT_URL: fresh.directUrl, DB_POOL_MAX: '2' });
    const silent = pino({ level: 'silent' });
    const both = await Promise.all([createDeps(config, silent), createDeps(config, silent)]);
    try {
      for (const deps of both) {
        expect((await rawRows<{ n: number }>(deps.database.db, sql`select count(*)::int as n from subscription_plans where is_default`))[0]!.n).toBe(1);
      }
    } finally {
      await Promise.all(both.map((d) => d.close()));
      await fresh.drop();
    }
  });

  it('refuses to start when DATABASE_DIRECT_URL names another database than DATABASE_URL', async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: pooledUrl(), DATABASE_DIRECT_URL: serviceUrls().DATABASE_URL, DB_POOL_MAX: '1' });
    await expect(createDeps(config, pino({ level: 'silent' }))).rejects.toThrow(/DATABASE_DIRECT_URL reaches database ".+" but DATABASE_URL reaches ".+": both must name the same database/);
  });
});
