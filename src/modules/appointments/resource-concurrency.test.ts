import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { appPair, daysAheadAt, insertPatients, setMonthlyLimit } from '../../../test/helpers/appointment-factories.ts';
import { registerHospital } from '../../../test/helpers/factories.ts';
import { insertDoctors } from '../../../test/helpers/member-factories.ts';
import { allDayHours, createResource, createVisitType } from '../../../test/helpers/visit-factories.ts';

/**
 * 30 doctors, 30 patients, one instant, one visit type that needs an MRI:
 * split across two app instances with their own pools (one app on the
 * embedded target). The resource exclusion constraint (and the per-hospital
 * critical section before it) lets exactly as many through as there are MRIs.
 */
const DOCTORS = 30;

let pair: Awaited<ReturnType<typeof appPair>>;
beforeAll(async () => {
  pair = await appPair();
});
afterAll(async () => {
  await pair.close();
});

async function liveMriBookings(hospitalId: string): Promise<number> {
  const [row] = await rawRows<{ n: number }>(
    pair.a.deps.database.db,
    sql`select count(*)::int as n from resource_bookings b join appointments a on a.id = b.appointment_id
         where b.hospital_id = ${hospitalId} and b.live and a.status = 'scheduled'`,
  );
  return row!.n;
}

describe.each([1, 2])('with %i MRI(s)', (mris) => {
  it(`${DOCTORS} doctors book the MRI type at the same instant from two instances: exactly ${mris} 201, the rest RESOURCE_UNAVAILABLE`, async () => {
    const h = await registerHospital(pair.a);
    await setMonthlyLimit(pair.a, h.id, 1000);
    const doctorIds = await insertDoctors(pair.a, h.id, DOCTORS);
    await allDayHours(pair.a, h.id, doctorIds);
    const patients = await insertPatients(pair.a, h.id, DOCTORS);
    for (let i = 0; i < mris; i++) await createResource(pair.a, h.auth, { name: `MRI ${i + 1}`, kind: 'mri' });
    const vt = await createVisitType(pair.a, h.auth, { name: 'MRI scan', durationMinutes: 45, bufferAfterMinutes: 10, doctorIds, requires: ['mri'] });
    const start = daysAheadAt(3, 9).toISOString();
    const responses = await Promise.all(
      doctorIds.map((doctorId, i) =>
        (i % 2 === 0 ? pair.a : pair.b).app.inject({
          method: 'POST',
          url: '/v1/appointments',
          headers: h.auth,
          payload: { doctorId, patientId: patients[i], start, visitTypeId: vt.id },
        }),
      ),
    );
    const winners = responses.filter((r) => r.statusCode === 201);
    expect(winners).toHaveLength(mris);
    const losers = responses.filter((r) => r.statusCode !== 201);
    expect(losers.map((r) => r.statusCode)).toEqual(Array(DOCTORS - mris).fill(409));
    for (const r of losers) expect(r.json()).toMatchObject({ code: 'RESOURCE_UNAVAILABLE', details: { kind: 'mri' } });
    // Every winner holds a different MRI.
    expect(new Set(winners.map((r) => r.json().data.resources[0].id)).size).toBe(mris);
    expect(await liveMriBookings(h.id)).toBe(mris);
  });
});

