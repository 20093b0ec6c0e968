import { randomUUID } from 'node:crypto';
import type { Cluster } from './cluster.ts';
import { slotAt, type ClusterHospital } from './fixtures.ts';
import { call, type CallResult } from './http.ts';

/**
 * A bounded, steady load on the cluster while faults happen: a few loops,
 * each sending one request at a time (a booking into a slot nobody else
 * takes, or a read), with a short pause between requests, round robin over
 * the APIs in rotation. Every request has a client timeout, so a hang shows
 * up as `error: 'timeout'` instead of stalling the loop. Every outcome is
 * recorded with the phase the test was in when the request started.
 */
export type LoadKind = 'book' | 'list' | 'hospital' | 'availability';

export interface LoadRecord {
  kind: LoadKind;
  phase: string;
  via: string;
  at: number;
  ms: number;
  status: number;
  code?: string;
  error?: string;
  /** The appointment id of a 201. */
  id?: string;
  /** Bookings: what was sent (with its Idempotency-Key), so an unknown outcome can be retried. */
  booking?: { body: Record<string, unknown>; key: string };
}

export interface Load {
  records: LoadRecord[];
  /** Label for the records of requests started from now on. */
  phase: string;
  /** Ids of every booking answered 201 (acknowledged to the client). */
  acked(): string[];
  stop(): Promise<void>;
}

export interface LoadOptions {
  loops?: number;
  pauseMs?: number;
  timeoutMs?: number;
  /** First booking day (days from today): far enough that no reminder falls due during the run. */
  day?: number;
}

export function startLoad(cluster: Cluster, hospital: ClusterHospital, options: LoadOptions = {}): Load {
  const { loops = 2, pauseMs = 100, timeoutMs = 5_000, day = 2 } = options;
  const doctors = hospital.doctorIds;
  const patients = hospital.patients;
  let slot = 0;
  let running = true;
  let n = 0;
  const load: Load = {
    records: [],
    phase: 'start',
    acked: () => load.records.filter((r) => r.kind === 'book' && r.status === 201).map((r) => r.id!),
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };

  const next = (): { kind: LoadKind; booking?: LoadRecord['booking']; send: (api: string) => Promise<CallResult> } => {
    const i = n++;
    const opts = { token: hospital.token, timeoutMs };
    if (i % 2 === 0) {
      // Slot k: doctor k mod D at 30-minute step k div D; patient k mod P, so a patient's bookings are hours apart.
      const k = slot++;
      const body = {
        doctorId: doctors[k % doctors.length]!,
        patientId: patients[k % patients.length]!.id,
        start: slotAt(day, Math.floor(k / doctors.length) * 30),
        durationMinutes: 30,
      };
      // Every booking carries an Idempotency-Key: a client that got no answer (or a 503) retries with it.
      const key = randomUUID();
      return { kind: 'book', booking: { body, key }, send: (api) => call(api, 'POST', '/v1/appointments', { ...opts, body, headers: { 'idempotency-key': key } }) };
    }
    const reads: { kind: LoadKind; path: string }[] = [
      { kind: 'list', path: '/v1/appointments?limit=5' },
      { kind: 'hospital', path: '/v1/hospitals/me' },
      { kind: 'availability', path: `/v1/doctors/${doctors[i % doctors.length]}/availability?from=${slotAt(day, 0).slice(0, 10)}&to=${slotAt(day, 0).slice(0, 10)}` },
    ];
    const read = reads[Math.floor(i / 2) % reads.length]!;
    return { kind: read.kind, send: (api) => call(api, 'GET', read.path, opts) };
  };

  const loop = async () => {
    while (running) {
      const apis = cluster.liveApis();
      if (!apis.length) {
        await new Promise((r) => setTimeout(r, pauseMs));
        continue;
      }
      const { kind, booking, send } = next();
      const phase = load.phase;
      const res = await send(cluster.nextApi());
      load.records.push({
        kind,
        phase,
        via: res.via,
        at: res.at,
        ms: res.ms,
        status: res.status,
        ...(res.body && typeof res.body === 'object' && 'code' in res.body ? { code: String(res.body.code) } : {}),
        ...(res.error ? { error: res.error } : {}),
        ...(kind === 'book' && res.status === 201 ? { id: res.body.data.id as string } : {}),
        ...(booking ? { booking } : {}),
      });
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  const workers = Array.from({ length: loops }, loop);
  return load;
}

/** `{ "book 201": 12, "list 200": 30, ... }` for the records of one phase (reports and failure messages). */
export function tally(records: LoadRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) {
    const key = `${r.kind} ${r.status || r.error}${r.code && r.status >= 400 ? ` ${r.code}` : ''}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}
