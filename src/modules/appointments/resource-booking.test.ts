import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { action, addDoctor, appointmentTestEnv, book, bookingFixture, daysAheadAt, type BookingFixture } from '../../../test/helpers/appointment-factories.ts';
import { registerHospital } from '../../../test/helpers/factories.ts';
import { addPatient } from '../../../test/helpers/appointment-factories.ts';
import { addResourceTimeOff, createClosure, createResource, createVisitType } from '../../../test/helpers/visit-factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: appointmentTestEnv });
});
afterAll(async () => {
  await t.close();
});

const MIN = 60_000;
const iso = (d: Date, plusMinutes = 0) => new Date(d.getTime() + plusMinutes * MIN).toISOString();

/** A hospital with doctors working all day and a visit type they all offer. */
async function clinic(type: { durationMinutes: number; requires?: string[]; bufferBeforeMinutes?: number; bufferAfterMinutes?: number }, doctors = 1) {
  const f = await bookingFixture(t);
  const doctorIds = [f.doctorId];
  for (let i = 1; i < doctors; i++) doctorIds.push(await addDoctor(t, f.auth));
  const vt = await createVisitType(t, f.auth, { ...type, doctorIds });
  return { f, doctorIds, vt };
}

const bookType = (f: BookingFixture, body: Record<string, unknown>) => book(t, f.auth, { patientId: f.patientId, doctorId: f.doctorId, ...body });

describe('booking a visit type with resources', () => {
  it('takes the first free resource of each kind by name, shows it on the appointment, and frees it on cancel', async () => {
    const { f, doctorIds, vt } = await clinic({ durationMinutes: 45, requires: ['mri', 'exam-room'] }, 2);
    await createResource(t, f.auth, { name: 'Room B', kind: 'exam-room' });
    const roomA = await createResource(t, f.auth, { name: 'Room A', kind: 'exam-room' });
    const mri = await createResource(t, f.auth, { name: 'MRI', kind: 'mri' });
    const start = daysAheadAt(3, 9);
    const res = await bookType(f, { start: start.toISOString(), visitTypeId: vt.id });
    expect(res.statusCode, res.body).toBe(201);
    const booked = res.json().data;
    expect(booked).toMatchObject({ visitTypeId: vt.id, durationMinutes: 45, end: iso(start, 45) });
    expect(booked.resources).toEqual([
      { id: roomA.id, kind: 'exam-room', name: 'Room A' },
      { id: mri.id, kind: 'mri', name: 'MRI' },
    ]);
    expect((await t.app.inject({ method: 'GET', url: `/v1/appointments/${booked.id}`, headers: f.auth })).json().data.resources).toEqual(booked.resources);

    // Another doctor, another patient, the same instant: a room is left but the only MRI is not.
    const other = await addPatient(t, f.auth);
    const refused = await book(t, f.auth, { doctorId: doctorIds[1]!, patientId: other, start: start.toISOString(), visitTypeId: vt.id });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'RESOURCE_UNAVAILABLE', details: { kind: 'mri' } });

    const cancelled = await action(t, f.auth, booked.id, 'cancel', {});
    expect(cancelled.json().data.resources).toHaveLength(2);
    const second = await book(t, f.auth, { doctorId: doctorIds[1]!, patientId: other, start: start.toISOString(), visitTypeId: vt.id });
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json().data.resources.map((r: { name: string }) => r.name)).toEqual(['Room A', 'MRI']);
  });

  it('needs two exam rooms when the type lists the kind twice: one on time off means no booking', async () => {
    const { f, vt } = await clinic({ durationMinutes: 30, requires: ['exam-room', 'exam-room'] });
    await createResource(t, f.auth, { name: 'Room 1', kind: 'exam-room' });
    const room2 = await createResource(t, f.auth, { name: 'Room 2', kind: 'exam-room' });
    const start = daysAheadAt(4, 10);
    await addResourceTimeOff(t, f.auth, room2.id, { start: iso(start, -60), end: iso(start, 60), reason: 'Repairs' });
    const refused = await bookType(f, { start: start.toISOString(), visitTypeId: vt.id });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'RESOURCE_UNAVAILABLE', details: { kind: 'exam-room' } });
    // After the time off both rooms are free.
    const later = await bookType(f, { start: iso(start, 60), visitTypeId: vt.id });
    expect(later.statusCode, later.body).toBe(201);
    expect(later.json().data.resources).toHaveLength(2);
  });

  it('keeps the buffers: a 45-minute visit with 10 minutes after blocks doctor and MRI until 09:55', async () => {
    const { f, doctorIds, vt } = await clinic({ durationMinutes: 45, bufferAfterMinutes: 10, requires: ['mri'] }, 2);
    await createResource(t, f.auth, { name: 'MRI', kind: 'mri' });
    const nine = daysAheadAt(5, 9);
    expect((await bookType(f, { start: nine.toISOString(), visitTypeId: vt.id })).statusCode).toBe(201);
    // The same doctor, a plain 30-minute visit, inside the buffer: refused; right after it: fine.
    const p2 = await addPatient(t, f.auth);
    const tooSoon = await book(t, f.auth, { doctorId: f.doctorId, patientId: p2, start: iso(nine, 50), durationMinutes: 30 });
    expect(tooSoon.statusCode).toBe(409);
    expect(tooSoon.json()).toMatchObject({ code: 'SLOT_UNAVAILABLE', details: { reason: 'buffer' } });
    // Another doctor needs the MRI: not before 09:55.
    const p3 = await addPatient(t, f.auth);
    const mriBusy = await book(t, f.auth, { doctorId: doctorIds[1]!, patientId: p3, start: iso(nine, 50), visitTypeId: vt.id });
    expect(mriBusy.json()).toMatchObject({ code: 'RESOURCE_UNAVAILABLE', details: { kind: 'mri' } });
    expect((await book(t, f.auth, { doctorId: doctorIds[1]!, patientId: p3, start: iso(nine, 55), visitTypeId: vt.id })).statusCode).toBe(201);
    expect((await book(t, f.auth, { doctorId: f.doctorId, patientId: p2, start: iso(nine, 55), durationMinutes: 30 })).statusCode).toBe(201);
  });

  it('refuses bookings inside a closure for every doctor, with reason closure', async () => {
    const { f, doctorIds, vt } = await clinic({ durationMinutes: 30 }, 2);
    const day = daysAheadAt(6, 0);
    await createClosure(t, f.auth, { start: day.toISOString(), end: iso(day, 24 * 60), reason: 'Holiday' });
    for (const doctorId of doctorIds) {
      for (const extra of [{}, { visitTypeId: vt.id }]) {
        const res = await book(t, f.auth, { doctorId, patientId: f.patientId, start: iso(day, 10 * 60), ...extra });
        expect(res.statusCode).toBe(422);
        expect(res.json()).toMatchObject({ code: 'OUTSIDE_SCHEDULE', details: { reason: 'closure' } });
      }
    }
  });

  it('checks named resources: foreign 404, deactivated 422, wrong kind 422, and takes the named one', async () => {
    const { f, vt } = await clinic({ durationMinutes: 30, requires: ['exam-room'] });
    await createResource(t, f.auth, { name: 'Room A', kind: 'exam-room' });
    const roomB = await createResource(t, f.auth, { name: 'Room B', kind: 'exam-room' });
    const retired = await createResource(t, f.auth, { name: 'Room C', kind: 'exam-room', active: false });
    const mri = await createResource(t, f.auth, { name: 'MRI', kind: 'mri' });
    const elsewhere = await registerHospital(t);
    const foreign = await createResource(t, elsewhere.auth, { name: 'Theirs', kind: 'exam-room' });
    const start = daysAheadAt(7, 11).toISOString();
    const attempt = (resourceIds: string[]) => bookType(f, { start, visitTypeId: vt.id, resourceIds });
    expect((await attempt([foreign.id])).statusCode).toBe(404);
    expect((await attempt([retired.id])).json().code).toBe('RESOURCE_INACTIVE');
    expect((await attempt([mri.id])).json()).toMatchObject({ code: 'RESOURCE_KIND_MISMATCH', details: { requires: ['exam-room'], given: ['mri'] } });
    expect((await attempt([roomB.id, mri.id])).json().code).toBe('RESOURCE_KIND_MISMATCH');
    const ok = await attempt([roomB.id]);
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().data.resources).toEqual([{ id: roomB.id, kind: 'exam-room', name: 'Room B' }]);
    // Without a type, or with a duration next to a type: 400.
    expect((await bookType(f, { start, resourceIds: [roomB.id] })).statusCode).toBe(400);
    expect((await bookType(f, { start, visitTypeId: vt.id, durationMinutes: 30 })).statusCode).toBe(400);
  });

  it('refuses a type the doctor does not offer, a deactivated type, and another hospital\'s type', async () => {
    const { f, vt } = await clinic({ durationMinutes: 30 });
    const outsider = await addDoctor(t, f.auth);
    const start = daysAheadAt(8, 9).toISOString();
    const notOffered = await book(t, f.auth, { doctorId: outsider, patientId: f.patientId, start, visitTypeId: vt.id });
    expect(notOffered.json()).toMatchObject({ code: 'VISIT_TYPE_NOT_OFFERED' });
    const elsewhere = await clinic({ durationMinutes: 30 });
    expect((await bookType(f, { start, visitTypeId: elsewhere.vt.id })).statusCode).toBe(404);
    await t.app.inject({ method: 'DELETE', url: `/v1/visit-types/${vt.id}`, headers: f.auth });
    expect((await bookType(f, { start, visitTypeId: vt.id })).json().code).toBe('VISIT_TYPE_INACTIVE');
  });

  it('re-assigns resources when rescheduling, keeping the same room when it is free, in one atomic move', async () => {
    const { f, doctorIds, vt } = await clinic({ durationMinutes: 30, requires: ['exam-room'] }, 2);
    const roomA = await createResource(t, f.auth, { name: 'Room A', kind: 'exam-room' });
    const roomB = await createResource(t, f.auth, { name: 'Room B', kind: 'exam-room' });
    const nine = daysAheadAt(9, 9);
    // Room A is taken at 11:00 by another doctor's visit; ours holds Room B at 09:00 (named).
    const p2 = await addPatient(t, f.auth);
    expect((await book(t, f.auth, { doctorId: doctorIds[1]!, patientId: p2, start: iso(nine, 120), visitTypeId: vt.id })).json().data.resources[0].id).toBe(roomA.id);
    const ours = (await bookType(f, { start: nine.toISOString(), visitTypeId: vt.id, resourceIds: [roomB.id] })).json().data;
    const moved = await action(t, f.auth, ours.id, 'reschedule', { start: iso(nine, 60) });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().data.resources.map((r: { id: string }) => r.id)).toEqual([roomB.id]);
    // Into 11:00 Room A is taken, Room B is free (ours): it keeps Room B.
    const again = await action(t, f.auth, ours.id, 'reschedule', { start: iso(nine, 120) });
    expect(again.json().data.resources.map((r: { id: string }) => r.id)).toEqual([roomB.id]);
    // A third visit at 11:00 finds no room; the failed move of another appointment keeps its old room.
    const p3 = await addPatient(t, f.auth);
    const third = await book(t, f.auth, { doctorId: doctorIds[1]!, patientId: p3, start: iso(nine, 240), visitTypeId: vt.id });
    const blocked = await action(t, f.auth, third.json().data.id, 'reschedule', { start: iso(nine, 125) });
    expect(blocked.statusCode).toBe(409);
    const unchanged = await t.app.inject({ method: 'GET', url: `/v1/appointments/${third.json().data.id}`, headers: f.auth });
    expect(unchanged.json().data).toMatchObject({ start: iso(nine, 240), resources: [{ id: roomA.id }] });
  });
});
