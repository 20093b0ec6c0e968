import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import type { Cluster } from '../cluster/cluster.ts';
import { setUpHospital, slotAt, type ClusterHospital } from '../cluster/fixtures.ts';
import { call, type CallResult } from '../cluster/http.ts';
import { startLoad, tally, type Load, type LoadRecord } from '../cluster/load.ts';
import { allArrived, checkMail, expectedFromDatabase, waitForQuiet } from '../cluster/mail.ts';

/**
 * The machinery of a fault suite, shared by faults.test.ts (the machine's
 * PostgreSQL, Redis and RabbitMQ stopped and started) and topology.test.ts
 * (the scale-out topology's replica, Redis Cluster master and PgBouncer):
 * a steady load on a running cluster, scenarios of calm / stop / away /
 * start / recovery with what each phase may answer, and the settling at the
 * end: nothing acknowledged lost, every unknown outcome settled by its
 * Idempotency-Key, every notification exactly once.
 */
export const RECOVERY_BOUND_MS = 60_000;
/** How long each fault lasts while the load runs. */
export const OUTAGE_MS = 4_000;
const CALM_MS = 1_500;

export type Allowed = Partial<Record<LoadRecord['kind'], number[]>>;
export const NORMAL: Allowed = { book: [201], list: [200], hospital: [200], availability: [200] };
/** A request may meet the service going or coming back: success or 503, nothing else. */
export const TRANSITION: Allowed = { book: [201, 503], list: [200, 503], hospital: [200, 503], availability: [200, 503] };

export function unexpected(records: LoadRecord[], allowed: Allowed, excuse: (r: LoadRecord) => boolean = () => false) {
  return records.filter((r) => !(allowed[r.kind] ?? []).includes(r.status) && !excuse(r));
}

export interface Fault {
  stop(): Promise<void>;
  start(): Promise<void>;
  whileDown?(): Promise<void>;
  excuse?(r: LoadRecord): boolean;
}

interface Step {
  scenario: string;
  stopMs: number;
  startMs: number;
  recoveryMs: number;
  phases: Record<string, Record<string, number>>;
}

export interface FaultRun {
  cluster: Cluster;
  hospital: ClusterHospital;
  load: Load;
  /**
   * When an email accepted by SMTP may have missed its `sent` record (the one
   * resend window docs/messaging.md documents), e.g. the moments PostgreSQL
   * went away or a worker was killed; scenarios that open one push it here.
   */
  resendWindows: { scenario: string; from: number; to: number }[];
  /** One-time code emails expected (a 202 from POST /v1/hospitals/me/otp), per hospital address. */
  otpIssued: Map<string, number>;
  /** A booking in a slot of its own (day 20, away from the load's), through one API. */
  probeBooking(api: string, timeoutMs?: number): Promise<CallResult>;
  /**
   * One scenario: calm, stop (phase `stopping`), away for OUTAGE_MS (`down`),
   * start (`starting`), wait until healthy, calm again (`after`). Asserts what
   * holds for every fault; returns the records per phase for the scenario's own.
   */
  scenario(name: string, fault: Fault): Promise<{ phases: Record<string, LoadRecord[]>; stoppedAt: number; stopDone: number }>;
  /** The closing checks (stops the load first). */
  settle(): Promise<void>;
  /** The timeline of the scenarios run, for the log. */
  report(mode: string): string;
  stop(): Promise<void>;
}

export async function startFaultRun(cluster: Cluster): Promise<FaultRun> {
  const hospital = await setUpHospital(cluster, { doctors: 5, patients: 60, plan: 'pro', name: 'Fault Clinic' });
  const load = startLoad(cluster, hospital, { loops: 2, pauseMs: 100, timeoutMs: 5_000 });
  const timeline: Step[] = [];
  const resendWindows: FaultRun['resendWindows'] = [];
  const otpIssued = new Map<string, number>();
  /** Bookings made by the recovery probes (acknowledged, so they must survive too). */
  const probeAcks: string[] = [];
  let probeSlot = 0;

  const probeBooking = (api: string, timeoutMs = 5_000): Promise<CallResult> => {
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
  };

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

  async function scenario(name: string, fault: Fault) {
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

  async function settle() {
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
    const expected = await expectedFromDatabase(cluster, otpIssued);
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
  }

  return {
    cluster,
    hospital,
    load,
    resendWindows,
    otpIssued,
    probeBooking,
    scenario,
    settle,
    report: (mode) =>
      `fault timeline (${mode}; ms):\n` +
      timeline
        .map((s) => `  ${s.scenario.padEnd(10)} stop ${s.stopMs}  start ${s.startMs}  healthy+booking after ${s.recoveryMs}\n${Object.entries(s.phases).map(([p, t]) => `      ${p.padEnd(9)} ${JSON.stringify(t)}`).join('\n')}`)
        .join('\n'),
    stop: () => load.stop(),
  };
}
