import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiredServiceUrls, startCluster, type Cluster } from '../cluster/cluster.ts';
import { setUpHospital, slotAt, type ClusterHospital } from '../cluster/fixtures.ts';
import { call, type CallResult } from '../cluster/http.ts';
import { startLoad, tally, type Load, type LoadRecord } from '../cluster/load.ts';
import { allArrived, checkMail, expectedFromDatabase, waitForQuiet } from '../cluster/mail.ts';
import { proxyMode, serviceControls, type ServiceControl, type Services } from '../cluster/services.ts';

/**
 * Faults against a running cluster (two APIs, two workers; test/cluster/)
 * while a bounded load of bookings and reads runs, one scenario at a time:
 * Redis, RabbitMQ and PostgreSQL stopped and started again (the real
 * services: `redis-cli shutdown`, `rabbitmqctl stop_app`, `pg_ctlcluster
 * stop -m fast`), a worker and an API process SIGKILLed and restarted.
 *
 * Asserted: nothing that was acknowledged is lost (every 201's appointment
 * exists at the end); every notification arrives exactly once (a resend is
 * tolerated only inside the documented window — SMTP accepted the message and
 * the process could not record it — and only with the same Message-ID);
 * while PostgreSQL is away the API answers 503 quickly, never hangs or 500s;
 * while Redis or RabbitMQ is away bookings still succeed; after each service
 * returns, both APIs are healthy and book again within RECOVERY_BOUND_MS.
 * Services are always left running (afterAll, and a process exit hook).
 */
const RECOVERY_BOUND_MS = 60_000;
/** How long each service stays away while the load runs. */
const OUTAGE_MS = 4_000;
const CALM_MS = 1_500;

let services: Services;
let cluster: Cluster;
let hospital: ClusterHospital;
let load: Load;

interface Step {
  scenario: string;
  stopMs: number;
  startMs: number;
  recoveryMs: number;
  phases: Record<string, Record<string, number>>;
}
const timeline: Step[] = [];
/**
 * When an email accepted by SMTP may have missed its `sent` record (the one
 * resend window docs/messaging.md documents): the moments PostgreSQL went
 * away and a worker was killed.
 */
const resendWindows: { scenario: string; from: number; to: number }[] = [];
/** Bookings made by the recovery probes (acknowledged, so they must survive too). */
const probeAcks: string[] = [];

beforeAll(async () => {
  const urls = requiredServiceUrls();
  services = await serviceControls(urls);
  await services.ensureAllUp();
  const control: Record<'database' | 'redis' | 'rabbitmq', ServiceControl> = {
    database: services.postgresql,
    redis: services.redis,
    rabbitmq: services.rabbitmq,
  };
  cluster = await startCluster({
    name: 'faults',
    route: (service, url) => control[service].urlFor(url),
    env: {
      RATE_LIMIT_MAX: '100000',
      EMAIL_PER_RECIPIENT_PER_HOUR: '1000',
    },
  });
  hospital = await setUpHospital(cluster, { doctors: 5, patients: 60, plan: 'pro', name: 'Fault Clinic' });
  load = startLoad(cluster, hospital, { loops: 2, pauseMs: 100, timeoutMs: 5_000 });
});

afterAll(async () => {
  try {
    await load?.stop();
  } finally {
    try {
      // Whatever failed above: every service runs again before anything else.
      await services?.ensureAllUp();
    } finally {
      await cluster?.close();
      await services?.close();
    }
  }
  if (timeline.length) {
    console.log(
      `fault timeline (${proxyMode ? 'proxy mode' : 'real services'}; ms):\n` +
        timeline.map((s) => `  ${s.scenario.padEnd(10)} stop ${s.stopMs}  start ${s.startMs}  healthy+booking after ${s.recoveryMs}\n${Object.entries(s.phases).map(([p, t]) => `      ${p.padEnd(9)} ${JSON.stringify(t)}`).join('\n')}`).join('\n'),
    );
  }
});

let probeSlot = 0;
/** A booking in a slot of its own (day 20, away from the load's), through one API. */
function probeBooking(api: string, timeoutMs = 5_000): Promise<CallResult> {
  const k = probeSlot++;
  return call(api, 'POST', '/v1/appointments', {
    token: hospital.token,
    timeoutMs,
    body: {
      doctorId: hospital.doctorIds[k % hospital.doctorIds.length]!,
      patientId: hospital.patients[(k * 7) % hospital.patients.length]!.id,
      start: slotAt(20, k * 30),
      durationMinutes: 30,
    },
  });
}

/**
 * Until every API in rotation is ready, reports every dependency up (`/health`
 * status ok) and books an appointment: the time from `since`, failing past the bound.
 */
async function waitHealthy(since: number): Promise<number> {
  const deadline = since + RECOVERY_BOUND_MS;
  for (const api of cluster.liveApis()) {
    let last = '';
    for (;;) {
      const ready = await call(api, 'GET', '/health/ready', { timeoutMs: 3_000 });
      const health = ready.status === 200 ? await call(api, 'GET', '/health', { timeoutMs: 3_000 }) : null;
      if (health?.status === 200 && health.body.status === 'ok') {
        const booked = await probeBooking(api);
        if (booked.status === 201) {
          probeAcks.push(booked.body.data.id);
          break;
        }
        last = `booking ${booked.status} ${booked.error ?? JSON.stringify(booked.body)}`;
      } else {
        last = `ready ${ready.status} ${ready.error ?? ''}, health ${health ? JSON.stringify(health.body) : '-'}`;
      }
      if (Date.now() > deadline) throw new Error(`${api} not healthy within ${RECOVERY_BOUND_MS} ms: ${last}`);
      await sleep(200);
    }
  }
  return Date.now() - since;
}

type Allowed = Partial<Record<LoadRecord['kind'], number[]>>;
const NORMAL: Allowed = { book: [201], list: [200], hospital: [200], availability: [200] };
/** A request may meet the service going or coming back: success or 503, nothing else. */
const TRANSITION: Allowed = { book: [201, 503], list: [200, 503], hospital: [200, 503], availability: [200, 503] };

function unexpected(records: LoadRecord[], allowed: Allowed, excuse: (r: LoadRecord) => boolean = () => false) {
  return records.filter((r) => !(allowed[r.kind] ?? []).includes(r.status) && !excuse(r));
}

/**
 * One scenario: calm, stop (phase `stopping`), away for OUTAGE_MS (`down`),
 * start (`starting`), wait until healthy, calm again (`after`). Returns the
 * records per phase for the scenario's own assertions.
 */
async function scenario(
  name: string,
  fault: { stop(): Promise<void>; start(): Promise<void>; whileDown?(): Promise<void>; excuse?(r: LoadRecord): boolean },
): Promise<{ phases: Record<string, LoadRecord[]>; stoppedAt: number; stopDone: number }> {
  const phase = (p: string) => (load.phase = `${name}:${p}`);
  phase('before');
  await sleep(CALM_MS);
  phase('stopping');
  const stoppedAt = Date.now();
  await fault.stop();
  const stopDone = Date.now();
  phase('down');
  const downUntil = Date.now() + OUTAGE_MS;
  await fault.whileDown?.();
  await sleep(Math.max(0, downUntil - Date.now()));
  phase('starting');
  const startAt = Date.now();
  await fault.start();
  const startDone = Date.now();
  const recoveryMs = await waitHealthy(startDone);
  phase('after');
  await sleep(CALM_MS);
  load.phase = 'between';

  const phases: Record<string, LoadRecord[]> = {};
  for (const r of load.records) {
    const [scn, p] = r.phase.split(':');
    if (scn !== name) continue;
    // A request still in flight when the fault began is judged as part of the fault.
    const phaseOf = p === 'before' && r.at + r.ms >= stoppedAt ? 'stopping' : p!;
    (phases[phaseOf] ??= []).push(r);
  }
  timeline.push({
    scenario: name,
    stopMs: stopDone - stoppedAt,
    startMs: startDone - startAt,
    recoveryMs,
    phases: Object.fromEntries(Object.entries(phases).map(([p, rs]) => [p, tally(rs)])),
  });
  // Nothing hangs, nothing 500s, no process dies of an outage, and the load made progress.
  const all = Object.values(phases).flat();
  expect(all.filter((r) => r.error === 'timeout'), 'requests that hung').toEqual([]);
  expect(all.filter((r) => r.status >= 500 && r.status !== 503), '5xx other than 503').toEqual([]);
  expect(cluster.unexpectedExits()).toEqual([]);
  expect(phases.before?.some((r) => r.kind === 'book' && r.status === 201), 'bookings before the fault').toBe(true);
  expect(phases.after?.some((r) => r.kind === 'book' && r.status === 201), 'bookings after recovery').toBe(true);
  expect(unexpected(phases.before ?? [], NORMAL, fault.excuse), 'before').toEqual([]);
  expect(unexpected(phases.after ?? [], NORMAL, fault.excuse), 'after recovery').toEqual([]);
  return { phases, stoppedAt, stopDone };
}

describe('faults under load', () => {
  it('Redis stopped: bookings and reads continue, OTP fails closed (503); healthy again after it returns', async () => {
    const otpWhileDown: CallResult[] = [];
    const { phases } = await scenario('redis', {
      stop: () => services.redis.stop(),
      start: () => services.redis.start(),
      async whileDown() {
        for (const api of cluster.liveApis()) otpWhileDown.push(await call(api, 'POST', '/v1/hospitals/me/otp', { token: hospital.token }));
      },
    });
    expect(otpWhileDown.map((r) => [r.status, r.body?.code])).toEqual(cluster.liveApis().map(() => [503, 'SERVICE_UNAVAILABLE']));
    // Redis holds nothing a booking needs: the cache falls back to PostgreSQL, rate limits fail open.
    for (const p of ['stopping', 'down', 'starting'] as const) expect(unexpected(phases[p] ?? [], NORMAL), p).toEqual([]);
  });

  it('RabbitMQ stopped: bookings continue (their messages wait in the outbox); healthy again after it returns', async () => {
    const { phases } = await scenario('rabbitmq', {
      stop: () => services.rabbitmq.stop(),
      start: () => services.rabbitmq.start(),
    });
    for (const p of ['stopping', 'down', 'starting'] as const) expect(unexpected(phases[p] ?? [], NORMAL), p).toEqual([]);
  });

  it('PostgreSQL stopped: 503 at once (no hang, no 500), ready fails; healthy and booking again after it returns', async () => {
    const probes: { what: string; res: CallResult }[] = [];
    const { phases, stoppedAt, stopDone } = await scenario('postgres', {
      stop: () => services.postgresql.stop(),
      start: () => services.postgresql.start(),
      async whileDown() {
        for (const api of cluster.liveApis()) {
          probes.push({ what: 'book', res: await probeBooking(api) });
          probes.push({ what: 'list', res: await call(api, 'GET', '/v1/appointments?limit=5', { token: hospital.token }) });
          probes.push({ what: 'ready', res: await call(api, 'GET', '/health/ready') });
          probes.push({ what: 'health', res: await call(api, 'GET', '/health') });
        }
      },
    });
    // An email accepted by SMTP just before the database went away may not have been recorded as sent.
    resendWindows.push({ scenario: 'postgres', from: stoppedAt - 2_000, to: stopDone + 3_000 });
    expect(probes.map((p) => [p.what, p.res.status, p.res.error ?? p.res.body?.code ?? p.res.body?.status])).toEqual(
      cluster.liveApis().flatMap(() => [
        ['book', 503, 'SERVICE_UNAVAILABLE'],
        ['list', 503, 'SERVICE_UNAVAILABLE'],
        ['ready', 503, 'down'],
        ['health', 503, 'down'],
      ]),
    );
    // Every request while it was away: 503 for anything that needs the database (reads may be served from the cache).
    expect(unexpected(phases.down ?? [], { book: [503], list: [503], hospital: [200, 503], availability: [503] }), 'down').toEqual([]);
    for (const p of ['stopping', 'starting'] as const) expect(unexpected(phases[p] ?? [], TRANSITION), p).toEqual([]);
    // A 503 tells the client when to try again.
    expect(probes.filter((p) => p.what === 'book' || p.what === 'list').every((p) => Number(p.res.headers.get('retry-after')) > 0)).toBe(true);
    // "Quickly": each answer well inside the client timeout.
    expect(probes.filter((p) => p.res.ms > 3_000).map((p) => `${p.what} ${p.res.ms} ms`)).toEqual([]);
  });

  it('a worker SIGKILLed while sending: its messages are redelivered and sent once; restarted, it works', async () => {
    const { phases } = await scenario('worker', {
      async stop() {
        // Hold the SMTP server's replies so that emails are mid-send, claimed and unacknowledged, at the kill.
        cluster.smtp.answer(() => 'hold');
        await cluster.smtp.waitFor((p) => p.held() >= 3, 20_000, 'emails in flight');
        const killAt = Date.now();
        await cluster.killWorker(0, 'SIGKILL');
        resendWindows.push({ scenario: 'worker', from: killAt - 2_000, to: killAt });
        // New messages are accepted again. The held replies are never given: the dead worker's sessions are gone,
        // the survivor's time out (SMTP_TIMEOUT_MS) and are retried, so no message is accepted for a client that
        // can no longer record it.
        cluster.smtp.answer(() => 'accept');
      },
      start: async () => void (await cluster.startWorker(0)),
    });
    for (const p of ['stopping', 'down', 'starting'] as const) expect(unexpected(phases[p] ?? [], NORMAL), p).toEqual([]);
  });

  it('an API process SIGKILLed: only its in-flight requests fail; the other serves; restarted, it serves again', async () => {
    let killAt = 0;
    let killedUrl = '';
    // A request to the killed process that was in flight at the kill lost its connection; nothing else may fail.
    const inFlight = (r: LoadRecord) => r.status === 0 && r.error !== 'timeout' && r.via === killedUrl && r.at <= killAt + 50 && r.at + r.ms >= killAt - 50;
    const { phases } = await scenario('api', {
      async stop() {
        killedUrl = cluster.apis[0]!.url;
        killAt = Date.now();
        await cluster.killApi(0, 'SIGKILL');
      },
      start: async () => void (await cluster.startApi(0)),
      excuse: inFlight,
    });
    for (const p of ['before', 'stopping', 'down', 'starting'] as const) expect(unexpected(phases[p] ?? [], NORMAL, inFlight), p).toEqual([]);
    expect((phases.down ?? []).every((r) => r.via !== killedUrl), 'no traffic to the dead process').toBe(true);
  });

  it('after all of it: no acknowledged booking lost, every unknown outcome settled by its Idempotency-Key, every notification exactly once', async () => {
    await load.stop();
    // Every booking acknowledged with a 201 is in the database, scheduled.
    const acked = [...load.acked(), ...probeAcks];
    const { rows } = await cluster.sql.query<{ id: string; status: string }>('select id, status from appointments where id = any($1::uuid[])', [acked]);
    expect(rows).toHaveLength(acked.length);
    expect(rows.every((r) => r.status === 'scheduled')).toBe(true);

    // A client that got a 503 or no answer retries with the same Idempotency-Key: exactly one appointment each.
    const unknown = load.records.filter((r) => r.kind === 'book' && r.status !== 201 && r.booking);
    const retried = await Promise.all(
      unknown.map((r) => call(cluster.nextApi(), 'POST', '/v1/appointments', { token: hospital.token, body: r.booking!.body, headers: { 'idempotency-key': r.booking!.key } })),
    );
    expect(retried.filter((r) => r.status !== 201).map((r) => `${r.status} ${JSON.stringify(r.body)}`)).toEqual([]);
    for (const [i, r] of unknown.entries()) {
      const b = r.booking!.body as { doctorId: string; start: string };
      const same = await cluster.sql.query<{ id: string }>('select id from appointments where doctor_id = $1 and starts_at = $2', [b.doctorId, b.start]);
      expect(same.rows.map((x) => x.id)).toEqual([retried[i]!.body.data.id]);
    }

    // Every notification the database calls for arrives, and nothing arrives twice (but for the documented window).
    const expected = await expectedFromDatabase(cluster);
    expect(expected.confirmations.length).toBeGreaterThanOrEqual(acked.length);
    await cluster.smtp.waitFor((peer) => allArrived(peer.received, expected), 90_000, 'every expected email');
    await waitForQuiet(cluster, 90_000);
    const result = checkMail(cluster.smtp.received, expected);
    expect(result.missing).toEqual([]);
    expect(result.unexpected.map((m) => m.subject)).toEqual([]);
    const unexplained: string[] = [];
    for (const dup of result.duplicated) {
      const ids = new Set(dup.copies.map((c) => c.messageId));
      const first = Math.min(...dup.copies.map((c) => c.receivedAt));
      const window = resendWindows.find((w) => first >= w.from && first <= w.to);
      const outboxId = /^<?([0-9a-f-]{36})\./.exec([...ids][0] ?? '')?.[1];
      const line = outboxId
        ? (await cluster.sql.query<{ attempts: number }>('select attempts from notification_deliveries where message_id = $1', [outboxId])).rows[0]
        : undefined;
      // Tolerated: two copies of ONE message (same Message-ID, which receivers deduplicate), the first accepted inside a
      // window in which its `sent` record could not be written, and the delivery log showing the second attempt.
      const tolerated = ids.size === 1 && dup.copies.length === 2 && window && (line?.attempts ?? 0) >= 2;
      if (tolerated) console.log(`resend inside the documented window (${window.scenario}): ${dup.key} ${[...ids][0]}`);
      else unexplained.push(`${dup.key} x${dup.copies.length} (${[...ids].join(', ')}) first at ${new Date(first).toISOString()}`);
    }
    expect(unexplained).toEqual([]);
    const { rows: open } = await cluster.sql.query("select message_id, status from notification_deliveries where status <> 'sent'");
    expect(open).toEqual([]);
    expect((await cluster.sql.query('select message_id, reason from dead_letters')).rows).toEqual([]);
    expect(cluster.unexpectedExits()).toEqual([]);
    const { rows: retriedLines } = await cluster.sql.query<{ n: number }>('select count(*)::int as n from notification_deliveries where attempts > 1');
    console.log(
      `faults: ${acked.length} bookings acknowledged, ${unknown.length} unknown outcomes retried, ${result.expectedTotal} emails expected, ` +
        `${result.received} received, ${retriedLines[0]!.n} sent on a second or later attempt`,
    );
  });
});
