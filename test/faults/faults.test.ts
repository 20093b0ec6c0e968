import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiredServiceUrls, startCluster } from '../cluster/cluster.ts';
import { call, type CallResult } from '../cluster/http.ts';
import type { LoadRecord } from '../cluster/load.ts';
import { proxyMode, serviceControls, type ServiceControl, type Services } from '../cluster/services.ts';
import { NORMAL, startFaultRun, TRANSITION, unexpected, type FaultRun } from './harness.ts';

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
let services: Services;
let run: FaultRun;

beforeAll(async () => {
  const urls = requiredServiceUrls();
  services = await serviceControls(urls);
  await services.ensureAllUp();
  const control: Record<'database' | 'redis' | 'rabbitmq', ServiceControl> = {
    database: services.postgresql,
    redis: services.redis,
    rabbitmq: services.rabbitmq,
  };
  const cluster = await startCluster({
    name: 'faults',
    route: (service, url) => control[service].urlFor(url),
    env: {
      RATE_LIMIT_MAX: '100000',
      EMAIL_PER_RECIPIENT_PER_HOUR: '1000',
    },
  });
  run = await startFaultRun(cluster).catch(async (err) => {
    await cluster.close();
    throw err;
  });
});

afterAll(async () => {
  try {
    await run?.stop();
  } finally {
    try {
      // Whatever failed above: every service runs again before anything else.
      await services?.ensureAllUp();
    } finally {
      await run?.cluster.close();
      await services?.close();
    }
  }
  if (run) console.log(run.report(proxyMode ? 'proxy mode' : 'real services'));
});

describe('faults under load', () => {
  it('Redis stopped: bookings and reads continue, OTP fails closed (503); healthy again after it returns', async () => {
    const otpWhileDown: CallResult[] = [];
    const { phases } = await run.scenario('redis', {
      stop: () => services.redis.stop(),
      start: () => services.redis.start(),
      async whileDown() {
        for (const api of run.cluster.liveApis()) otpWhileDown.push(await call(api, 'POST', '/v1/hospitals/me/otp', { token: run.hospital.token }));
      },
    });
    expect(otpWhileDown.map((r) => [r.status, r.body?.code])).toEqual(run.cluster.liveApis().map(() => [503, 'SERVICE_UNAVAILABLE']));
    // Redis holds nothing a booking needs: the cache falls back to PostgreSQL, rate limits fail open.
    for (const p of ['stopping', 'down', 'starting'] as const) expect(unexpected(phases[p] ?? [], NORMAL), p).toEqual([]);
  });

  it('RabbitMQ stopped: bookings continue (their messages wait in the outbox); healthy again after it returns', async () => {
    const { phases } = await run.scenario('rabbitmq', {
      stop: () => services.rabbitmq.stop(),
      start: () => services.rabbitmq.start(),
    });
    for (const p of ['stopping', 'down', 'starting'] as const) expect(unexpected(phases[p] ?? [], NORMAL), p).toEqual([]);
  });

  it('PostgreSQL stopped: 503 at once (no hang, no 500), ready fails; healthy and booking again after it returns', async () => {
    const probes: { what: string; res: CallResult }[] = [];
    const { phases, stoppedAt, stopDone } = await run.scenario('postgres', {
      stop: () => services.postgresql.stop(),
      start: () => services.postgresql.start(),
      async whileDown() {
        for (const api of run.cluster.liveApis()) {
          probes.push({ what: 'book', res: await run.probeBooking(api) });
          probes.push({ what: 'list', res: await call(api, 'GET', '/v1/appointments?limit=5', { token: run.hospital.token }) });
          probes.push({ what: 'ready', res: await call(api, 'GET', '/health/ready') });
          probes.push({ what: 'health', res: await call(api, 'GET', '/health') });
        }
      },
    });
    // An email accepted by SMTP just before the database went away may not have been recorded as sent.
    run.resendWindows.push({ scenario: 'postgres', from: stoppedAt - 2_000, to: stopDone + 3_000 });
    expect(probes.map((p) => [p.what, p.res.status, p.res.error ?? p.res.body?.code ?? p.res.body?.status])).toEqual(
      run.cluster.liveApis().flatMap(() => [
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
    const { phases } = await run.scenario('worker', {
      async stop() {
        // Hold the SMTP server's replies so that emails are mid-send, claimed and unacknowledged, at the kill.
        run.cluster.smtp.answer(() => 'hold');
        await run.cluster.smtp.waitFor((p) => p.held() >= 3, 20_000, 'emails in flight');
        const killAt = Date.now();
        await run.cluster.killWorker(0, 'SIGKILL');
        run.resendWindows.push({ scenario: 'worker', from: killAt - 2_000, to: killAt });
        // New messages are accepted again. The held replies are never given: the dead worker's sessions are gone,
        // the survivor's time out (SMTP_TIMEOUT_MS) and are retried, so no message is accepted for a client that
        // can no longer record it.
        run.cluster.smtp.answer(() => 'accept');
      },
      start: async () => void (await run.cluster.startWorker(0)),
    });
    for (const p of ['stopping', 'down', 'starting'] as const) expect(unexpected(phases[p] ?? [], NORMAL), p).toEqual([]);
  });

  it('an API process SIGKILLed: only its in-flight requests fail; the other serves; restarted, it serves again', async () => {
    let killAt = 0;
    let killedUrl = '';
    // A request to the killed process that was in flight at the kill lost its connection; nothing else may fail.
    const inFlight = (r: LoadRecord) => r.status === 0 && r.error !== 'timeout' && r.via === killedUrl && r.at <= killAt + 50 && r.at + r.ms >= killAt - 50;
    const { phases } = await run.scenario('api', {
      async stop() {
        killedUrl = run.cluster.apis[0]!.url;
        killAt = Date.now();
        await run.cluster.killApi(0, 'SIGKILL');
      },
      start: async () => void (await run.cluster.startApi(0)),
      excuse: inFlight,
    });
    for (const p of ['before', 'stopping', 'down', 'starting'] as const) expect(unexpected(phases[p] ?? [], NORMAL, inFlight), p).toEqual([]);
    expect((phases.down ?? []).every((r) => r.via !== killedUrl), 'no traffic to the dead process').toBe(true);
  });

  it('after all of it: no acknowledged booking lost, every unknown outcome settled by its Idempotency-Key, every notification exactly once', async () => {
    await run.settle();
  });
});
