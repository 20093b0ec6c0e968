import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import type { TestApp } from '../../../test/helpers/app.ts';
import { addDoctor, appPair, bookingFixture, daysAheadAt, insertPatients, setMonthlyLimit } from '../../../test/helpers/appointment-factories.ts';

/**
 * 100 simultaneous attempts at one slot, split across two app instances with
 * their own connection pools (one app on the embedded target): the exclusion
 * constraints let exactly one through, whatever the interleaving.
 */
const ATTEMPTS = 100;

let pair: Awaited<ReturnType<typeof appPair>>;
beforeAll(async () => {
  pair = await appPair();
});
afterAll(async () => {
  await pair.close();
});

const appFor = (i: number): TestApp => (i % 2 === 0 ? pair.a : pair.b);

async function liveCount(hospitalId: string): Promise<number> {
  const [row] = await rawRows<{ n: number }>(
    pair.a.deps.database.db,
    sql`select count(*)::int as n from appointments where hospital_id = ${hospitalId} and status = 'scheduled'`,
  );
  return row!.n;
}

describe('booking under contention', () => {
  it(`one doctor, one slot, ${ATTEMPTS} patients at once: exactly one 201, every other SLOT_UNAVAILABLE`, async () => {
    const f = await bookingFixture(pair.a);
    const patients = await insertPatients(pair.a, f.hospital.id, ATTEMPTS);
    const start = daysAheadAt(3, 9).toISOString();
    const responses = await Promise.all(
      patients.map((patientId, i) =>
        appFor(i).app.inject({ method: 'POST', url: '/v1/appointments', headers: f.auth, payload: { doctorId: f.doctorId, patientId, start } }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(ATTEMPTS - 1);
    expect(new Set(responses.filter((r) => r.statusCode === 409).map((r) => r.json().code))).toEqual(new Set(['SLOT_UNAVAILABLE']));
    expect(await liveCount(f.hospital.id)).toBe(1);
  });

  it(`one patient, two doctors, ${ATTEMPTS} attempts at once: exactly one 201, the other doctor's attempts PATIENT_BUSY`, async () => {
    const f = await bookingFixture(pair.a);
    const second = await addDoctor(pair.a, f.auth);
    const doctors = [f.doctorId, second];
    const start = daysAheadAt(3, 9).toISOString();
    const responses = await Promise.all(
      Array.from({ length: ATTEMPTS }, (_, i) =>
        appFor(i).app.inject({
          method: 'POST',
          url: '/v1/appointments',
          headers: f.auth,
          payload: { doctorId: doctors[Math.floor(i / 2) % 2], patientId: f.patientId, start },
        }),
      ),
    );
    const winners = responses.filter((r) => r.statusCode === 201);
    expect(winners).toHaveLength(1);
    expect(responses.filter((r) => r.statusCode === 409)).toHaveLength(ATTEMPTS - 1);
    const winnerDoctor = winners[0]!.json().data.doctorId as string;
    const requests = Array.from({ length: ATTEMPTS }, (_, i) => doctors[Math.floor(i / 2) % 2]);
    responses.forEach((r, i) => {
      if (r.statusCode !== 409) return;
      // The other doctor is free: only the patient blocks. The winner's doctor is busy too (either code is true).
      if (requests[i] !== winnerDoctor) expect(r.json().code).toBe('PATIENT_BUSY');
      else expect(['SLOT_UNAVAILABLE', 'PATIENT_BUSY']).toContain(r.json().code);
    });
    expect(await liveCount(f.hospital.id)).toBe(1);
  });

  it('the monthly limit under load: 3 places left, 30 bookings of free slots at once, exactly 3 201 and the rest PLAN_LIMIT_REACHED', async () => {
    // The subscription lock is sent in one round trip with the count and the insert (writeWithinPlan):
    // this is what shows each insert still counts after the lock, seeing every booking committed before it.
    const f = await bookingFixture(pair.a);
    await setMonthlyLimit(pair.a, f.hospital.id, 3);
    const patients = await insertPatients(pair.a, f.hospital.id, 30);
    // Distinct slots on one day (one month in the hospital's UTC): only the limit can refuse.
    const responses = await Promise.all(
      patients.map((patientId, i) =>
        appFor(i).app.inject({
          method: 'POST',
          url: '/v1/appointments',
          headers: f.auth,
          payload: { doctorId: f.doctorId, patientId, start: daysAheadAt(2, 0, i * 30).toISOString(), durationMinutes: 30 },
        }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(new Set(responses.filter((r) => r.statusCode !== 201).map((r) => r.json().code))).toEqual(new Set(['PLAN_LIMIT_REACHED']));
    expect(await liveCount(f.hospital.id)).toBe(3);
  });
});
