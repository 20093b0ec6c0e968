import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster } from '../cluster/cluster.ts';
import { call, type CallResult } from '../cluster/http.ts';
import { otpKeys } from '../../src/modules/otp/otp.scripts.ts';
import { startTopology, type Topology } from '../cluster/topology/index.ts';
import { eventually } from '../helpers/messaging.ts';
import { NORMAL, startFaultRun, TRANSITION, unexpected, type FaultRun } from './harness.ts';

/**
 * Faults of the scale-out topology (SPEC section 17) under the same load and
 * the same closing checks as faults.test.ts: two APIs and two workers through
 * PgBouncer with a read replica and a Redis Cluster (test/cluster/topology).
 * Only processes this suite started are stopped, so it is safe to run beside
 * other suites on the machine's services.
 *
 * - the replica stopped: reads fall back to the primary, nothing fails;
 * - a Redis Cluster master SIGKILLed: its replica is promoted; bookings and
 *   reads never fail; a one-time code answers 503 at most until the failover
 *   is through, and works from then on; the old master rejoins as a replica;
 * - PgBouncer stopped and started: 503 (no hang, no 500) while it is away,
 *   healthy and booking again after.
 */
let topology: Topology;
let run: FaultRun;

beforeAll(async () => {
  topology = await startTopology({ name: 'faults-topology', replica: true, pgbouncer: { poolSize: 8 }, redisCluster: true });
  const cluster = await startCluster({
    name: 'faults-topology',
    topology,
    env: {
      RATE_LIMIT_MAX: '100000',
      EMAIL_PER_RECIPIENT_PER_HOUR: '1000',
      // One-time codes asked for over and over during the failover.
      OTP_REQUEST_INTERVAL_SECONDS: '0',
      OTP_REQUEST_MAX: '100',
      REDIS_BREAKER_HALF_OPEN_MS: '1000',
    },
  });
  run = await startFaultRun(cluster).catch(async (err) => {
    await cluster.close();
    throw err;
  });
}, 240_000);

afterAll(async () => {
  try {
    await run?.stop();
  } finally {
    try {
      await run?.cluster.close();
    } finally {
      await topology?.close();
    }
  }
  if (run) console.log(run.report('scale-out topology'));
});

describe('faults of the scale-out topology under load', () => {
  it('the read replica stopped: reads fall back to the primary, nothing fails; in use again once back', async () => {
    const health: CallResult[] = [];
    const { phases } = await run.scenario('replica', {
      stop: () => topology.replica!.stop('immediate'),
      start: () => topology.replica!.start(),
      async whileDown() {
        // Each API notices at its next lag check (DATABASE_READ_CHECK_INTERVAL_MS), or at its first read that fails there.
        for (const api of run.cluster.liveApis()) {
          health.push(await eventually(() => call(api, 'GET', '/health'), (h) => h.body?.checks?.database_replica?.status === 'down', 'the replica reported down', 5_000));
        }
      },
    });
    for (const p of ['stopping', 'down', 'starting'] as const) expect(unexpected(phases[p] ?? [], NORMAL), p).toEqual([]);
    expect(health.map((h) => [h.status, h.body.status, h.body.checks.database_replica.status])).toEqual(
      run.cluster.liveApis().map(() => [200, 'degraded', 'down']),
    );
    // The load's lists and availability were meant for the replica: the primary answered them instead, counted.
    let fellBack = 0;
    for (const api of run.cluster.liveApis()) {
      const metrics = String((await call(api, 'GET', '/metrics')).body);
      for (const m of metrics.matchAll(/^tempus_db_replica_fallbacks_total\{reason="(down|error)"\} (\d+)/gm)) fellBack += Number(m[2]);
    }
    expect(fellBack).toBeGreaterThan(0);
  });

  it('a Redis Cluster master killed: bookings and reads go on, OTP is 503 at most until the failover is through', async () => {
    const redis = topology.redis!;
    const prefix = run.cluster.env.REDIS_KEY_PREFIX!;
    // The master that holds this hospital's one-time codes.
    const victim = await redis.masterOf(prefix + otpKeys(run.hospital.id, 'hospital.update').code);
    const otp: number[] = [];
    const ask = async () => {
      const { status } = await call(run.cluster.nextApi(), 'POST', '/v1/hospitals/me/otp', { token: run.hospital.token });
      otp.push(status);
      if (status === 202) run.otpIssued.set(run.hospital.email, (run.otpIssued.get(run.hospital.email) ?? 0) + 1);
    };
    const { phases } = await run.scenario('redis', {
      async stop() {
        await ask();
        await redis.kill(victim);
      },
      async whileDown() {
        // Codes asked for through the failover (its replica promoted once the node timeout passes) until one is issued.
        for (let i = 0; i < 200 && otp.at(-1) !== 202; i++) await ask();
        await redis.waitHealthy({ full: false });
        for (let i = 0; i < 3; i++) await ask();
      },
      async start() {
        // The old master comes back and rejoins as a replica of the promoted one.
        await redis.start(victim);
        await redis.waitHealthy();
      },
    });
    for (const p of ['stopping', 'down', 'starting'] as const) expect(unexpected(phases[p] ?? [], NORMAL), p).toEqual([]);
    console.log(`one-time codes through the Redis failover: ${otp.join(' ')}`);
    // Issued before; refused (fail closed) at most while the slots had no master; issued from the first success on.
    expect(otp.map((s) => (s === 202 ? 'ok' : s === 503 ? 'unavailable' : String(s))).join(' ')).toMatch(/^ok( unavailable)*( ok)+$/);
    expect(await redis.masters()).not.toContain(victim);
  });

  it('PgBouncer stopped and started: 503 while it is away (never a hang or a 500), healthy and booking after', async () => {
    const probes: CallResult[] = [];
    const { phases, stoppedAt, stopDone } = await run.scenario('pgbouncer', {
      stop: () => topology.bouncer!.stop(),
      start: () => topology.bouncer!.start(),
      async whileDown() {
        for (const api of run.cluster.liveApis()) probes.push(await run.probeBooking(api));
      },
    });
    // As with PostgreSQL itself: an email accepted just as the pooler went away may not have been recorded as sent.
    run.resendWindows.push({ scenario: 'pgbouncer', from: stoppedAt - 2_000, to: stopDone + 3_000 });
    expect(probes.map((p) => [p.status, p.body?.code])).toEqual(run.cluster.liveApis().map(() => [503, 'SERVICE_UNAVAILABLE']));
    expect(probes.every((p) => Number(p.headers.get('retry-after')) > 0)).toBe(true);
    for (const p of ['stopping', 'down', 'starting'] as const) expect(unexpected(phases[p] ?? [], TRANSITION), p).toEqual([]);
  });

  it('after all of it: no acknowledged booking lost, every unknown outcome settled by its Idempotency-Key, every notification exactly once', async () => {
    await run.settle();
  });
});
