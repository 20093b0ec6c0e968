import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../cluster/cluster.ts';
import { setUpHospital, slotAt, type ClusterHospital } from '../cluster/fixtures.ts';
import { call, type CallResult } from '../cluster/http.ts';
import { allArrived, checkMail, expectedFromDatabase, waitForQuiet } from '../cluster/mail.ts';

/**
 * End to end over real HTTP: two API processes and two worker processes
 * (test/cluster/), on whatever deployment `start` builds: one PostgreSQL, one
 * Redis and one RabbitMQ (cluster.test.ts), or the scale-out topology
 * (topology.test.ts). Requests alternate between the two APIs; the workers
 * compete for the queues. The same scenarios, the same assertions, either way.
 */
const PUBLIC_LIMIT = 10;
const FREE = 90;
/** Appointments the storm must leave: one per contested unit (3 + 3 doctors, 8 patients), every free slot, 3 keys. */
const BOOKED = 3 + 3 + 8 + FREE + 3;

/** The environment every e2e cluster runs with. */
export const e2eEnv: Record<string, string> = {
  // Signed-in traffic is not what is limited here; the public routes are (per IP), with a small budget.
  RATE_LIMIT_MAX: '100000',
  RATE_LIMIT_PUBLIC_MAX: String(PUBLIC_LIMIT),
  RATE_LIMIT_WINDOW_SECONDS: '120',
  // The storm sends several confirmations to each patient; the hourly per-recipient cap is tested in test/messaging.
  EMAIL_PER_RECIPIENT_PER_HOUR: '1000',
};

export interface E2eDeployment {
  /** The suite's title. */
  title: string;
  /** Starts the cluster with the e2e environment `env`, and anything it runs on. */
  start(env: Record<string, string>): Promise<Cluster>;
  /** Stops what start() started beside the cluster (the cluster itself is closed first). */
  stop?(): Promise<void>;
  /** Extra checks after the scenarios (e.g. that the topology's pieces were used). */
  verify?(cluster: Cluster): Promise<void>;
}

export function e2eScenarios(deployment: E2eDeployment): void {
  let cluster: Cluster;
  let clinic: ClusterHospital;
  /** OTP emails the API acknowledged (202), per hospital address. */
  const otpIssued = new Map<string, number>();

  beforeAll(async () => {
    cluster = await deployment.start(e2eEnv);
    clinic = await setUpHospital(cluster, { doctors: 3, patients: 60, plan: 'pro', name: 'Storm Clinic' });
  });

  afterAll(async () => {
    try {
      await cluster?.close();
    } finally {
      await deployment.stop?.();
    }
  });

  interface Attempt {
    group: string;
    /** Which contested unit it belongs to (one 201 expected per unit). */
    unit: string;
    body: { doctorId: string; patientId: string; start: string; durationMinutes: number };
    headers?: Record<string, string>;
    res?: CallResult;
  }

  describe(deployment.title, () => {
    it('a booking storm at contested and free slots never double-books, and every 201 is in the database', async () => {
      const d = clinic.doctorIds;
      const p = clinic.patients.map((x) => x.id);
      const attempts: Attempt[] = [];
      const add = (group: string, unit: string, doctorId: string, patientId: string, start: string, headers?: Record<string, string>) =>
        attempts.push({ group, unit, body: { doctorId, patientId, start, durationMinutes: 30 }, ...(headers ? { headers } : {}) });

      // Same start: 20 patients want each doctor at 09:00 (disjoint patients per doctor).
      for (let j = 0; j < 3; j++) for (let k = 0; k < 20; k++) add('same-start', `doctor${j}`, d[j]!, p[j * 20 + k]!, slotAt(3, 540));
      // Overlapping, different starts: 09:00..09:25 with 30 minutes each, every pair overlaps.
      for (let j = 0; j < 3; j++) for (let k = 0; k < 15; k++) add('overlapping', `doctor${j}`, d[j]!, p[j * 15 + k]!, slotAt(4, 540 + (k % 6) * 5));
      // One patient, three free doctors at once: the patient can only be in one place.
      for (let k = 0; k < 8; k++) for (let j = 0; j < 3; j++) add('patient', `patient${k}`, d[j]!, p[k]!, slotAt(5, 600 + k * 60));
      // Free slots: every one bookable (distinct doctor/time; a patient's bookings 10 h apart).
      for (let k = 0; k < FREE; k++) add('free', `free${k}`, d[k % 3]!, p[k % 60]!, slotAt(6, Math.floor(k / 3) * 30));
      // One Idempotency-Key sent to both APIs at once: one booking, the same answer twice.
      for (let k = 0; k < 3; k++) {
        const key = randomUUID();
        for (let copy = 0; copy < 2; copy++) add('idempotent', `key${k}`, d[k]!, p[k]!, slotAt(7, 600), { 'idempotency-key': key });
      }

      // Shuffled and fired at once, alternating between the two processes (the two copies of a key on different ones).
      const apis = cluster.liveApis();
      expect(apis).toHaveLength(2);
      const sent = attempts.map((a, i) => ({ a, api: apis[i % 2]!, r: Math.random() })).sort((x, y) => x.r - y.r);
      await Promise.all(
        sent.map(({ a, api }) =>
          call(api, 'POST', '/v1/appointments', { token: clinic.token, body: a.body, headers: a.headers ?? {}, timeoutMs: 60_000 }).then((res) => (a.res = res)),
        ),
      );

      const statuses = attempts.map((a) => a.res!.status);
      expect(statuses.filter((s) => s === 0 || s >= 500), 'no 5xx, no lost connection').toEqual([]);
      const byUnit = new Map<string, Attempt[]>();
      for (const a of attempts) byUnit.set(`${a.group}/${a.unit}`, [...(byUnit.get(`${a.group}/${a.unit}`) ?? []), a]);
      for (const [unit, list] of byUnit) {
        const created = list.filter((a) => a.res!.status === 201);
        const refused = list.filter((a) => a.res!.status !== 201);
        if (unit.startsWith('idempotent/')) {
          // Both copies answered 201 with the same appointment (one of them a replay).
          expect(created.map((a) => a.res!.body.data.id), unit).toHaveLength(2);
          expect(new Set(created.map((a) => a.res!.body.data.id)).size, unit).toBe(1);
          expect(created.filter((a) => a.res!.headers.get('idempotent-replayed') === 'true'), unit).toHaveLength(1);
          continue;
        }
        expect(created, unit).toHaveLength(1);
        const code = unit.startsWith('patient/') ? 'PATIENT_BUSY' : 'SLOT_UNAVAILABLE';
        for (const a of refused) expect({ unit, status: a.res!.status, code: a.res!.body?.code }).toEqual({ unit, status: 409, code });
      }

      // The database agrees: no two scheduled appointments of a doctor or of a patient overlap...
      const overlaps = await cluster.sql.query(
        `select a.id, b.id from appointments a join appointments b
           on a.hospital_id = b.hospital_id and a.id < b.id
          and (a.doctor_id = b.doctor_id or a.patient_id = b.patient_id)
          and tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
        where a.status = 'scheduled' and b.status = 'scheduled'`,
      );
      expect(overlaps.rows).toEqual([]);
      // ...every 201 is there as answered, and nothing else was booked.
      const acked = new Map(attempts.filter((a) => a.res!.status === 201).map((a) => [a.res!.body.data.id as string, a.body]));
      const { rows } = await cluster.sql.query<{ id: string; doctor_id: string; patient_id: string; starts_at: Date }>(
        'select id, doctor_id, patient_id, starts_at from appointments where hospital_id = $1',
        [clinic.id],
      );
      expect(rows.map((r) => r.id).sort()).toEqual([...acked.keys()].sort());
      for (const r of rows) {
        const body = acked.get(r.id)!;
        expect({ doctorId: r.doctor_id, patientId: r.patient_id, start: r.starts_at.toISOString() }).toEqual({ doctorId: body.doctorId, patientId: body.patientId, start: body.start });
      }
      // 3 + 3 + 8 contested units, the free slots, 3 idempotent bookings.
      expect(acked.size).toBe(BOOKED);
      // Both processes booked.
      expect(new Set(attempts.filter((a) => a.res!.status === 201).map((a) => a.res!.via)).size).toBe(2);
    });

    it(`shares one rate limit: ${PUBLIC_LIMIT} public requests across both processes, then 429 on either`, async () => {
      const [a, b] = cluster.liveApis() as [string, string];
      const path = `/v1/public/hospitals/${clinic.subdomain}`;
      const seen: { status: number; remaining: string | null }[] = [];
      for (let i = 0; i < PUBLIC_LIMIT; i++) {
        const res = await call(i % 2 ? b : a, 'GET', path);
        seen.push({ status: res.status, remaining: res.headers.get('ratelimit-remaining') });
      }
      expect(seen).toEqual(Array.from({ length: PUBLIC_LIMIT }, (_, i) => ({ status: 200, remaining: String(PUBLIC_LIMIT - 1 - i) })));
      for (const api of [a, b]) {
        const res = await call(api, 'GET', path);
        expect(res.status).toBe(429);
        expect(res.body.code).toBe('RATE_LIMITED');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    });

    it('shares one-time codes: requested on one process, refused again on the other, verified on the other, single use everywhere', async () => {
      const h = await setUpHospital(cluster, { doctors: 0, patients: 0, name: 'OTP Clinic' });
      const [a, b] = cluster.liveApis() as [string, string];
      const issued = await call(a, 'POST', '/v1/hospitals/me/otp', { token: h.token });
      expect(issued.status).toBe(202);
      otpIssued.set(h.email, 1);
      // The one-per-minute request limit lives in Redis: the other process refuses too.
      const again = await call(b, 'POST', '/v1/hospitals/me/otp', { token: h.token });
      expect(again.status).toBe(429);
      expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);

      // The code arrives by email, sent by one of the workers.
      await cluster.smtp.waitFor((peer) => peer.receivedBy(h.email).some((m) => m.subject.includes('verification code')), 30_000, 'the OTP email');
      const mail = cluster.smtp.receivedBy(h.email).find((m) => m.subject.includes('verification code'))!;
      const code = /\b(\d{6})\b/.exec(mail.text)![1]!;
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');

      // Wrong guesses count once across both processes.
      const w1 = await call(b, 'PATCH', '/v1/hospitals/me', { token: h.token, body: { otp: wrong, name: 'Renamed Clinic' } });
      expect([w1.status, w1.body.code, w1.body.details?.attemptsLeft]).toEqual([422, 'OTP_INVALID', 2]);
      const w2 = await call(a, 'PATCH', '/v1/hospitals/me', { token: h.token, body: { otp: wrong, name: 'Renamed Clinic' } });
      expect([w2.status, w2.body.code, w2.body.details?.attemptsLeft]).toEqual([422, 'OTP_INVALID', 1]);

      const ok = await call(b, 'PATCH', '/v1/hospitals/me', { token: h.token, body: { otp: code, name: 'Renamed Clinic' } });
      expect(ok.status).toBe(200);
      const reused = await call(a, 'PATCH', '/v1/hospitals/me', { token: h.token, body: { otp: code, name: 'Twice' } });
      expect(reused.status).toBe(422);
      // Both processes read the change (the cached hospital was invalidated for everyone).
      for (const api of [a, b]) expect((await call(api, 'GET', '/v1/hospitals/me', { token: h.token })).body.data.name).toBe('Renamed Clinic');
    });

    it('delivers every notification exactly once: welcome emails, booking confirmations, one-time codes', async () => {
      const expected = await expectedFromDatabase(cluster, otpIssued);
      expect(expected.welcome).toHaveLength(2);
      expect(expected.confirmations).toHaveLength(BOOKED);
      await cluster.smtp.waitFor((peer) => allArrived(peer.received, expected), 60_000, 'every expected email');
      await waitForQuiet(cluster);
      const result = checkMail(cluster.smtp.received, expected);
      expect(result.missing).toEqual([]);
      expect(result.duplicated.map((d) => `${d.key} x${d.copies.length}`)).toEqual([]);
      expect(result.unexpected.map((m) => m.subject)).toEqual([]);
      expect(result.received).toBe(result.expectedTotal);
      // One Message-ID per email, never repeated.
      expect(new Set(cluster.smtp.received.map((m) => m.messageId)).size).toBe(cluster.smtp.received.length);
      const { rows } = await cluster.sql.query<{ status: string; n: number }>(
        `select status, count(*)::int as n from notification_deliveries group by status order by status`,
      );
      expect(rows).toEqual([{ status: 'sent', n: result.expectedTotal }]);
      expect((await cluster.sql.query('select 1 from dead_letters')).rowCount).toBe(0);
      expect(cluster.unexpectedExits()).toEqual([]);
    });

    it("writes no patient's email address into any process log", async () => {
      const logs = [...cluster.apis, ...cluster.workers].map((p) => ({ name: p.name, text: readFileSync(p.logFile, 'utf8') }));
      expect(logs.reduce((n, l) => n + l.text.length, 0)).toBeGreaterThan(0);
      const seeded = clinic.patients.map((p) => p.email);
      const leaks = logs.flatMap((l) => seeded.filter((value) => l.text.includes(value)).map((value) => `${l.name}: ${value}`));
      expect(leaks).toEqual([]);
    });

    if (deployment.verify) it('used the deployment it was given', () => deployment.verify!(cluster));
  });
}
