import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { addPatient, appointmentTestEnv, book } from '../../../test/helpers/appointment-factories.ts';
import { registerHospital } from '../../../test/helpers/factories.ts';
import { createDoctor, putSchedule } from '../../../test/helpers/scheduling-factories.ts';
import { addResourceTimeOff, createResource, createVisitType, visitTypeSlots } from '../../../test/helpers/visit-factories.ts';

/**
 * Through the API against the real database, for random clinics: zones,
 * doctors' hours and buffers, resources (some on time off), a visit type
 * (length, buffers, required kinds with repeats) and random earlier
 * bookings. Properties: every slot offered can be booked (with a free
 * patient), and afterwards no doctor, patient or resource holds two live
 * bookings that overlap.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: appointmentTestEnv });
});
afterAll(async () => {
  await t.close();
});

const ZONES = ['America/New_York', 'Europe/London', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC'];
const KINDS = ['room', 'mri'];
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

const clinicArb = fc.record({
  zone: fc.constantFrom(...ZONES),
  doctors: fc.array(fc.record({ open: fc.integer({ min: 6 * 4, max: 11 * 4 }), hours: fc.integer({ min: 2, max: 8 }), buffer: fc.constantFrom(0, 5, 10) }), {
    minLength: 1,
    maxLength: 3,
  }),
  resources: fc.array(fc.record({ kind: fc.constantFrom(...KINDS), offHours: fc.option(fc.integer({ min: 8, max: 16 }), { nil: undefined }) }), { maxLength: 4 }),
  type: fc.record({
    duration: fc.integer({ min: 3, max: 18 }).map((n) => n * 5),
    before: fc.constantFrom(0, 5, 15),
    after: fc.constantFrom(0, 10, 20),
    requires: fc.array(fc.constantFrom(...KINDS), { maxLength: 2 }),
  }),
  /** Earlier attempts: doctor index, patient index (of a pool of 2), day offset and minute of that day. */
  earlier: fc.array(fc.record({ doctor: fc.nat(2), patient: fc.nat(1), minute: fc.integer({ min: 6 * 12, max: 20 * 12 }).map((n) => n * 5) }), { maxLength: 6 }),
  picks: fc.array(fc.nat(1000), { minLength: 1, maxLength: 4 }),
});

async function overlaps(hospitalId: string): Promise<{ doctors: number; patients: number; resources: number }> {
  const [row] = await rawRows<{ doctors: number; patients: number; resources: number }>(
    t.deps.database.db,
    sql`select
          (select count(*)::int from appointments x join appointments y on x.doctor_id = y.doctor_id and x.id < y.id
            where x.hospital_id = ${hospitalId} and y.hospital_id = ${hospitalId} and x.status = 'scheduled' and y.status = 'scheduled'
              and tstzrange(x.starts_at, x.ends_at) && tstzrange(y.starts_at, y.ends_at)) as doctors,
          (select count(*)::int from appointments x join appointments y on x.patient_id = y.patient_id and x.id < y.id
            where x.hospital_id = ${hospitalId} and y.hospital_id = ${hospitalId} and x.status = 'scheduled' and y.status = 'scheduled'
              and tstzrange(x.starts_at, x.ends_at) && tstzrange(y.starts_at, y.ends_at)) as patients,
          (select count(*)::int from resource_bookings x join resource_bookings y on x.resource_id = y.resource_id and x.id < y.id
            where x.hospital_id = ${hospitalId} and y.hospital_id = ${hospitalId} and x.live and y.live
              and tstzrange(x.starts_at, x.ends_at) && tstzrange(y.starts_at, y.ends_at)) as resources`,
  );
  return row!;
}

describe('booking by visit type (property)', () => {
  it('books every offered slot, and never double-books a doctor, a patient or a resource', async () => {
    let booked = 0;
    let withResources = 0;
    await fc.assert(
      fc.asyncProperty(clinicArb, async (c) => {
        const h = await registerHospital(t, { timezone: c.zone });
        const day = Temporal.Now.plainDateISO(c.zone).add({ days: 5 });
        const dayStart = (minute: number) => day.toZonedDateTime({ timeZone: c.zone, plainTime: Temporal.PlainTime.from(hhmm(minute)) });
        const doctorIds: string[] = [];
        for (const d of c.doctors) {
          const doctor = await createDoctor(t, h.auth);
          const close = Math.min(d.open * 15 + d.hours * 60, 1440);
          await putSchedule(t, h.auth, doctor.id, { weekly: DAYS.map((name) => ({ day: name, start: hhmm(d.open * 15), end: close === 1440 ? '24:00' : hhmm(close) })), bufferMinutes: d.buffer });
          doctorIds.push(doctor.id);
        }
        for (const [i, r] of c.resources.entries()) {
          const resource = await createResource(t, h.auth, { name: `${r.kind} ${i}`, kind: r.kind });
          if (r.offHours !== undefined) {
            const from = dayStart(r.offHours * 60);
            await addResourceTimeOff(t, h.auth, resource.id, { start: from.toString({ timeZoneName: 'never' }), end: from.add({ hours: 1 }).toString({ timeZoneName: 'never' }) });
          }
        }
        const vt = await createVisitType(t, h.auth, {
          durationMinutes: c.type.duration,
          bufferBeforeMinutes: c.type.before,
          bufferAfterMinutes: c.type.after,
          requires: c.type.requires,
          doctorIds,
        });
        const pool = [await addPatient(t, h.auth), await addPatient(t, h.auth)];
        for (const e of c.earlier) {
          const doctorId = doctorIds[e.doctor % doctorIds.length]!;
          // Some of these are refused (outside hours, taken, no resource): only their effect on the rest matters.
          await book(t, h.auth, { doctorId, patientId: pool[e.patient]!, start: dayStart(e.minute).toString({ timeZoneName: 'never' }), visitTypeId: vt.id });
        }
        for (const pick of c.picks) {
          const { slots } = await visitTypeSlots(t, h.auth, vt.id, day.toString(), day.toString());
          if (slots.length === 0) break;
          const slot = slots[pick % slots.length]!;
          const res = await book(t, h.auth, { doctorId: slot.doctorId, patientId: await addPatient(t, h.auth), start: slot.start, visitTypeId: vt.id });
          expect(res.statusCode, `${JSON.stringify(slot)} -> ${res.body}`).toBe(201);
          expect(res.json().data.resources).toHaveLength(c.type.requires.length);
          booked++;
          if (c.type.requires.length) withResources++;
        }
        expect(await overlaps(h.id)).toEqual({ doctors: 0, patients: 0, resources: 0 });
      }),
      { numRuns: 25 },
    );
    // Not vacuous: slots were offered and booked, some of them with resources.
    expect(booked).toBeGreaterThan(0);
    expect(withResources).toBeGreaterThan(0);
    // 25 clinics through the API: minutes when the machine is busy with the whole suite.
  }, 300_000);
});
