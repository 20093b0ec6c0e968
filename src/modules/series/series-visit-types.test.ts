import { Temporal } from 'temporal-polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { addDoctor, addPatient, appointmentTestEnv, book, bookingFixture } from '../../../test/helpers/appointment-factories.ts';
import { bookSeries, bookSeriesOk, localInstant, seriesRowsOf } from '../../../test/helpers/series-factories.ts';
import { createClosure, createResource, createVisitType } from '../../../test/helpers/visit-factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: appointmentTestEnv });
});
afterAll(async () => {
  await t.close();
});

/** 10:00 UTC on the local date `days` from today (a UTC hospital). */
const at = (days: number) => localInstant('UTC', Temporal.Now.plainDateISO('UTC').add({ days }), '10:00').toISOString();
const weeks = (n: number) => Array.from({ length: n }, (_, i) => at(3 + 7 * i));

/** A clinic whose physiotherapy (45 minutes + 10 after) needs the one treatment room; two physiotherapists offer it. */
async function physioClinic() {
  const f = await bookingFixture(t, { settings: { bookingHorizonDays: 730 } });
  const colleague = await addDoctor(t, f.auth);
  const room = await createResource(t, f.auth, { name: 'Room 1', kind: 'treatment-room' });
  const physio = await createVisitType(t, f.auth, {
    name: 'Physiotherapy',
    durationMinutes: 45,
    bufferAfterMinutes: 10,
    doctorIds: [f.doctorId, colleague],
    requires: ['treatment-room'],
  });
  const series = (body: Record<string, unknown> = {}) => ({
    doctorId: f.doctorId,
    patientId: f.patientId,
    start: at(3),
    visitTypeId: physio.id,
    recurrence: { frequency: 'weekly', count: 10 },
    ...body,
  });
  return { f, colleague, room, physio, series };
}

describe('POST /v1/appointment-series with a visit type', () => {
  it('a weekly physiotherapy series of 10 takes the type length, buffers and the room on every occurrence', async () => {
    const { f, colleague, room, physio, series } = await physioClinic();
    const booked = await bookSeriesOk(t, f.auth, series());
    expect(booked).toMatchObject({ visitTypeId: physio.id, durationMinutes: 45, skipped: [] });
    expect(booked.occurrences.map((o) => o.start)).toEqual(weeks(10));
    for (const o of booked.occurrences) {
      expect(o).toMatchObject({ visitTypeId: physio.id, durationMinutes: 45, seriesId: booked.id, resources: [{ id: room.id, kind: 'treatment-room', name: 'Room 1' }] });
    }
    // The room is held by the series: a colleague's physiotherapy at the 4th occurrence finds none free.
    const other = await addPatient(t, f.auth);
    const clash = await book(t, f.auth, { doctorId: colleague, patientId: other, start: at(3 + 21), visitTypeId: physio.id });
    expect(clash.statusCode).toBe(409);
    expect(clash.json()).toMatchObject({ code: 'RESOURCE_UNAVAILABLE', details: { kind: 'treatment-room' } });
    // GET shows the occurrences with their resources too.
    const read = await t.app.inject({ method: 'GET', url: `/v1/appointment-series/${booked.id}`, headers: f.auth });
    expect(read.statusCode).toBe(200);
    expect(read.json().data.occurrences.map((o: { resources: unknown[] }) => o.resources)).toEqual(booked.occurrences.map((o) => o.resources));
  });

  it('one occurrence whose room is taken: fail lists it as RESOURCE_UNAVAILABLE with the kind and writes nothing; skip books the other 9', async () => {
    const { f, colleague, physio, series } = await physioClinic();
    const other = await addPatient(t, f.auth);
    // The colleague's physiotherapy takes the only room at the 6th occurrence (another doctor, another patient).
    const taken = await book(t, f.auth, { doctorId: colleague, patientId: other, start: at(3 + 35), visitTypeId: physio.id });
    expect(taken.statusCode, taken.body).toBe(201);

    const refused = await bookSeries(t, f.auth, series());
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'SERIES_CONFLICT' });
    expect(refused.json().details.conflicts).toEqual([
      { start: at(3 + 35), code: 'RESOURCE_UNAVAILABLE', reason: expect.stringContaining('treatment-room'), details: { kind: 'treatment-room' } },
    ]);
    expect(await seriesRowsOf(t, f.hospital.id)).toEqual({ series: 0, occurrences: 0, events: 0 });

    const skipped = await bookSeriesOk(t, f.auth, series({ onConflict: 'skip' }));
    expect(skipped.occurrences.map((o) => o.start)).toEqual(weeks(10).filter((s) => s !== at(3 + 35)));
    expect(skipped.occurrences.every((o) => o.resources.length === 1 && o.visitTypeId === physio.id)).toBe(true);
    expect(skipped.skipped).toEqual([{ start: at(3 + 35), code: 'RESOURCE_UNAVAILABLE', reason: expect.any(String), details: { kind: 'treatment-room' } }]);
  });

  it('an occurrence inside a closure is OUTSIDE_SCHEDULE with reason closure', async () => {
    const { f, series } = await physioClinic();
    const closedDay = at(3 + 14);
    await createClosure(t, f.auth, { start: closedDay, end: new Date(Date.parse(closedDay) + 3_600_000).toISOString(), reason: 'Staff training' });
    const refused = await bookSeries(t, f.auth, series({ recurrence: { frequency: 'weekly', count: 4 } }));
    expect(refused.statusCode).toBe(409);
    expect(refused.json().details.conflicts).toEqual([{ start: closedDay, code: 'OUTSIDE_SCHEDULE', reason: expect.any(String), details: { reason: 'closure' } }]);
  });

  it('refuses the whole series for durationMinutes beside a type (400), an unknown type (404) and a type the doctor does not offer (422)', async () => {
    const { f, series } = await physioClinic();
    const both = await bookSeries(t, f.auth, series({ durationMinutes: 30 }));
    expect(both.statusCode).toBe(400);
    expect(both.json()).toMatchObject({ code: 'VALIDATION_ERROR', details: { fields: [{ field: 'durationMinutes' }] } });
    const unknown = await bookSeries(t, f.auth, series({ visitTypeId: '00000000-0000-4000-8000-000000000000' }));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('NOT_FOUND');
    const notOffered = await createVisitType(t, f.auth, { name: 'Other', durationMinutes: 30, doctorIds: [await addDoctor(t, f.auth)] });
    const refused = await bookSeries(t, f.auth, series({ visitTypeId: notOffered.id }));
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('VISIT_TYPE_NOT_OFFERED');
    expect(await seriesRowsOf(t, f.hospital.id)).toEqual({ series: 0, occurrences: 0, events: 0 });
  });
});
