import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import {
  action,
  addDoctor,
  addPatient,
  appointmentTestEnv,
  bookingFixture,
  bookOk,
  daysAheadAt,
  insertStartedAppointment,
  outboxFor,
} from '../../../test/helpers/appointment-factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: appointmentTestEnv });
});
afterAll(async () => {
  await t.close();
});

const get = (auth: { authorization: string }, url: string) => t.app.inject({ method: 'GET', url, headers: auth });

describe('appointment lifecycle', () => {
  it('cancels once (audit, notice) and refuses further transitions with INVALID_TRANSITION', async () => {
    const f = await bookingFixture(t);
    const appt = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 10).toISOString() });
    // No body at all is fine for cancel.
    const cancelled = await t.app.inject({ method: 'POST', url: `/v1/appointments/${appt.id}/cancel`, headers: f.auth });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().data).toMatchObject({ status: 'cancelled', cancelReason: null });
    const again = await action(t, f.auth, appt.id, 'cancel', { reason: 'twice' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'cancelled', action: 'cancel' } });
    for (const verb of ['complete', 'no-show'] as const) {
      expect((await action(t, f.auth, appt.id, verb, {})).json().code).toBe('INVALID_TRANSITION');
    }
    const move = await action(t, f.auth, appt.id, 'reschedule', { start: daysAheadAt(2, 12).toISOString() });
    expect(move.statusCode).toBe(409);
    expect(move.json().code).toBe('INVALID_TRANSITION');
    // The freed time can be booked again.
    expect((await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: appt.start })).status).toBe('scheduled');
    const types = (await outboxFor(t, appt.id)).map((m) => m.type);
    expect(types).toContain('appointment.cancelled');
    const audit = await get(f.auth, `/v1/audit-events?entityId=${appt.id}`);
    expect(audit.json().data.map((e: { action: string }) => e.action).sort()).toEqual(['appointment.booked', 'appointment.cancelled']);
  });

  it('stores a cancel reason', async () => {
    const f = await bookingFixture(t);
    const appt = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 10).toISOString() });
    const res = await action(t, f.auth, appt.id, 'cancel', { reason: 'patient called' });
    expect(res.json().data.cancelReason).toBe('patient called');
  });

  it('completes or marks no-show only once the visit has started', async () => {
    const f = await bookingFixture(t);
    const future = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 10).toISOString() });
    const early = await action(t, f.auth, future.id, 'complete', {});
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('INVALID_TRANSITION');
    const started = await insertStartedAppointment(t, f.hospital.id, f.doctorId, f.patientId, 10);
    const done = await action(t, f.auth, started, 'complete');
    expect(done.statusCode).toBe(200);
    expect(done.json().data.status).toBe('completed');
    expect((await action(t, f.auth, started, 'no-show', {})).json().code).toBe('INVALID_TRANSITION');
    const other = await insertStartedAppointment(t, f.hospital.id, f.doctorId, await addPatient(t, f.auth), 60);
    const noShow = await action(t, f.auth, other, 'no-show', {});
    expect(noShow.statusCode).toBe(200);
    expect(noShow.json().data.status).toBe('no_show');
    const audit = await get(f.auth, `/v1/audit-events?entityId=${other}`);
    expect(audit.json().data.map((e: { action: string }) => e.action)).toEqual(['appointment.no_show']);
  });

  it('reschedules atomically: into a taken slot 409 with the original untouched; into a free one with new reminders', async () => {
    const f = await bookingFixture(t, { settings: { reminderOffsetsMinutes: [60] } });
    const original = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 10).toISOString() });
    const otherPatient = await addPatient(t, f.auth);
    const taken = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: otherPatient, start: daysAheadAt(2, 11).toISOString() });
    const before = await outboxFor(t, original.id);

    const clash = await action(t, f.auth, original.id, 'reschedule', { start: new Date(new Date(taken.start).getTime() + 15 * 60_000).toISOString() });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().code).toBe('SLOT_UNAVAILABLE');
    const unchanged = await get(f.auth, `/v1/appointments/${original.id}`);
    expect(unchanged.json().data).toEqual(original);
    expect(await outboxFor(t, original.id)).toHaveLength(before.length);
    // The patient is busy with another doctor then: PATIENT_BUSY, original still untouched.
    const otherDoctor = await addDoctor(t, f.auth);
    await bookOk(t, f.auth, { doctorId: otherDoctor, patientId: f.patientId, start: daysAheadAt(2, 14).toISOString() });
    const patientBusy = await action(t, f.auth, original.id, 'reschedule', { start: daysAheadAt(2, 14).toISOString() });
    expect(patientBusy.json().code).toBe('PATIENT_BUSY');
    expect((await get(f.auth, `/v1/appointments/${original.id}`)).json().data).toEqual(original);

    // Overlapping its own old time is fine: the row is compared with the others only.
    const newStart = new Date(new Date(original.start).getTime() + 15 * 60_000);
    const moved = await action(t, f.auth, original.id, 'reschedule', { start: newStart.toISOString(), durationMinutes: 40 });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().data).toMatchObject({ id: original.id, start: newStart.toISOString(), durationMinutes: 40, status: 'scheduled' });
    const after = await outboxFor(t, original.id);
    const notice = after.find((m) => m.type === 'appointment.rescheduled')!;
    expect(notice.payload).toMatchObject({ previousStart: original.start, start: newStart.toISOString(), version: 2 });
    const reminders = after.filter((m) => m.type === 'appointment.reminder');
    expect(reminders.map((m) => [m.payload.version, m.payload.scheduledStart])).toEqual([
      [1, original.start],
      [2, newStart.toISOString()],
    ]);
    // Rescheduling keeps the schedule rules.
    const night = await action(t, f.auth, original.id, 'reschedule', { start: new Date(Date.now() - 60_000).toISOString() });
    expect(night.json().code).toBe('IN_THE_PAST');
  });

  it('lists by start with filters and cursor pagination', async () => {
    const f = await bookingFixture(t);
    const second = await addDoctor(t, f.auth);
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const a = await bookOk(t, f.auth, { doctorId: i % 2 ? second : f.doctorId, patientId: f.patientId, start: daysAheadAt(2 + i, 9).toISOString() });
      made.push(a.id);
    }
    await action(t, f.auth, made[4]!, 'cancel', {});
    const pageOne = await get(f.auth, '/v1/appointments?limit=2');
    expect(pageOne.statusCode).toBe(200);
    expect(pageOne.json().data.map((a: { id: string }) => a.id)).toEqual(made.slice(0, 2));
    const cursor = pageOne.json().page.nextCursor as string;
    const pageTwo = await get(f.auth, `/v1/appointments?limit=2&cursor=${cursor}`);
    expect(pageTwo.json().data.map((a: { id: string }) => a.id)).toEqual(made.slice(2, 4));
    const pageThree = await get(f.auth, `/v1/appointments?limit=2&cursor=${pageTwo.json().page.nextCursor}`);
    expect(pageThree.json().data.map((a: { id: string }) => a.id)).toEqual(made.slice(4));
    expect(pageThree.json().page.nextCursor).toBeNull();

    const bySecond = await get(f.auth, `/v1/appointments?doctorId=${second}`);
    expect(bySecond.json().data.map((a: { id: string }) => a.id)).toEqual([made[1], made[3]]);
    const scheduled = await get(f.auth, `/v1/appointments?status=scheduled&patientId=${f.patientId}`);
    expect(scheduled.json().data).toHaveLength(4);
    const day = daysAheadAt(3, 0).toISOString().slice(0, 10);
    const oneDay = await get(f.auth, `/v1/appointments?from=${day}&to=${day}`);
    expect(oneDay.json().data.map((a: { id: string }) => a.id)).toEqual([made[1]]);
    const range = await get(f.auth, `/v1/appointments?from=${encodeURIComponent(daysAheadAt(3, 9).toISOString())}&to=${encodeURIComponent(daysAheadAt(5, 9).toISOString())}`);
    expect(range.json().data.map((a: { id: string }) => a.id)).toEqual([made[1], made[2]]);
  });

  it("answers 404 for another hospital's appointment on every route", async () => {
    const mine = await bookingFixture(t);
    const theirs = await bookingFixture(t);
    const appt = await bookOk(t, theirs.auth, { doctorId: theirs.doctorId, patientId: theirs.patientId, start: daysAheadAt(2, 10).toISOString() });
    expect((await get(mine.auth, `/v1/appointments/${appt.id}`)).statusCode).toBe(404);
    const attempts = [
      action(t, mine.auth, appt.id, 'cancel', {}),
      action(t, mine.auth, appt.id, 'reschedule', { start: daysAheadAt(2, 12).toISOString() }),
      action(t, mine.auth, appt.id, 'complete', {}),
      action(t, mine.auth, appt.id, 'no-show', {}),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('NOT_FOUND');
    }
    expect((await get(mine.auth, `/v1/appointments?doctorId=${theirs.doctorId}`)).json().data).toEqual([]);
    expect((await get(theirs.auth, `/v1/appointments/${appt.id}`)).json().data.status).toBe('scheduled');
  });

  it('answers 4xx for bad ids, dates, cursors and unknown fields', async () => {
    const f = await bookingFixture(t);
    const appt = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 10).toISOString() });
    const bad: [string, string, Record<string, unknown> | undefined][] = [
      ['GET', '/v1/appointments/not-a-uuid', undefined],
      ['POST', '/v1/appointments/123/cancel', {}],
      ['POST', `/v1/appointments/${appt.id}/cancel`, { reason: 'x', extra: true }],
      ['POST', `/v1/appointments/${appt.id}/reschedule`, { start: 'soon' }],
      ['POST', `/v1/appointments/${appt.id}/reschedule`, {}],
      ['POST', `/v1/appointments/${appt.id}/reschedule`, { start: daysAheadAt(3, 10).toISOString(), doctorId: randomUUID() }],
      ['POST', `/v1/appointments/${appt.id}/reschedule`, { start: daysAheadAt(3, 10).toISOString(), durationMinutes: 1000 }],
      ['POST', `/v1/appointments/${appt.id}/complete`, { status: 'completed' }],
      ['GET', '/v1/appointments?from=yesterday', undefined],
      ['GET', '/v1/appointments?from=2030-13-01', undefined],
      ['GET', '/v1/appointments?from=2030-01-01T10:00:00', undefined],
      ['GET', '/v1/appointments?from=2030-01-02&to=2030-01-01', undefined],
      ['GET', '/v1/appointments?status=maybe', undefined],
      ['GET', '/v1/appointments?limit=101', undefined],
      ['GET', '/v1/appointments?cursor=garbage', undefined],
      ['GET', '/v1/appointments?doctorId=nope', undefined],
      ['GET', '/v1/appointments?colour=red', undefined],
    ];
    for (const [method, url, payload] of bad) {
      const res = await t.app.inject({ method: method as 'GET' | 'POST', url, headers: f.auth, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(payload)}`).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
    }
    expect((await get(f.auth, `/v1/appointments/${randomUUID()}`)).statusCode).toBe(404);
  });
});
