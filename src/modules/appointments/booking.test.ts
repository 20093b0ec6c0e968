import { sql } from 'drizzle-orm';
import { Temporal } from 'temporal-polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { exclusionError } from './booking-conflicts.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import {
  addDoctor,
  addPatient,
  appointmentTestEnv,
  book,
  bookingFixture,
  bookOk,
  daysAheadAt,
  minutesFromNow,
  outboxFor,
  setMonthlyLimit,
  setSubscriptionStatus,
} from '../../../test/helpers/appointment-factories.ts';
import { addMember } from '../../../test/helpers/member-factories.ts';
import { weekdays } from '../../../test/helpers/scheduling-factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: appointmentTestEnv });
});
afterAll(async () => {
  await t.close();
});

describe('POST /v1/appointments', () => {
  it('books inside the hours, defaults the duration to the slot, queues confirmation and reminders, audits', async () => {
    const f = await bookingFixture(t, { slotMinutes: 20, settings: { reminderOffsetsMinutes: [1440, 60] } });
    const start = daysAheadAt(3, 10, 0);
    const res = await book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: start.toISOString(), reason: 'check-up' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.message).toBe('Appointment booked');
    expect(body.data).toMatchObject({
      doctorId: f.doctorId,
      patientId: f.patientId,
      start: start.toISOString(),
      end: new Date(start.getTime() + 20 * 60_000).toISOString(),
      durationMinutes: 20,
      status: 'scheduled',
      reason: 'check-up',
      cancelReason: null,
    });
    expect(body.data.id).toMatch(/^[0-9a-f-]{36}$/);

    const messages = await outboxFor(t, body.data.id);
    expect(messages.map((m) => m.type)).toEqual(['appointment.booked', 'appointment.reminder', 'appointment.reminder']);
    expect(messages.every((m) => m.queue === 'notifications')).toBe(true);
    const reminders = messages.filter((m) => m.type === 'appointment.reminder');
    expect(reminders.map((m) => m.available_at.getTime())).toEqual([start.getTime() - 1440 * 60_000, start.getTime() - 60 * 60_000]);
    expect(reminders[0]!.payload).toMatchObject({ appointmentId: body.data.id, scheduledStart: start.toISOString(), offsetMinutes: 1440, version: 1 });

    const audit = await t.app.inject({ method: 'GET', url: `/v1/audit-events?entityId=${body.data.id}`, headers: f.auth });
    expect(audit.json().data).toEqual([expect.objectContaining({ action: 'appointment.booked', entityType: 'appointment' })]);
    // Field names only: the (possibly clinical) reason is named, never copied.
    expect(JSON.stringify(audit.json().data)).not.toContain('check-up');
  });

  it('skips reminders whose moment has already passed', async () => {
    const f = await bookingFixture(t, { settings: { reminderOffsetsMinutes: [1440, 60] } });
    const start = minutesFromNow(120, 5);
    const appt = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: start.toISOString() });
    const types = (await outboxFor(t, appt.id)).map((m) => [m.type, m.payload.offsetMinutes]);
    expect(types).toEqual([['appointment.booked', undefined], ['appointment.reminder', 60]]);
  });

  it('refuses times outside the weekly hours or in time off (OUTSIDE_SCHEDULE)', async () => {
    const f = await bookingFixture(t, { weekly: weekdays('09:00', '12:00'), timezone: 'Europe/Berlin' });
    // Find next Monday in Berlin: 10:00 local is inside, 13:00 local is outside.
    const monday = nextWeekday(1);
    const inside = berlin(monday, '10:00');
    const ok = await book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: inside });
    expect(ok.statusCode).toBe(201);
    const after = await book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: berlin(monday, '13:00') });
    expect(after.statusCode).toBe(422);
    expect(after.json()).toMatchObject({ code: 'OUTSIDE_SCHEDULE', details: { reason: 'outside_hours' } });
    // Ends past the close: 11:45 + 30 min > 12:00.
    const overClose = await book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: berlin(monday, '11:45') });
    expect(overClose.json().code).toBe('OUTSIDE_SCHEDULE');

    const off = await t.app.inject({
      method: 'POST',
      url: `/v1/doctors/${f.doctorId}/time-off`,
      headers: f.auth,
      payload: { start: berlin(monday, '11:00'), end: berlin(monday, '12:00') },
    });
    expect(off.statusCode).toBe(201);
    const inTimeOff = await book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: berlin(monday, '11:00') });
    expect(inTimeOff.statusCode).toBe(422);
    expect(inTimeOff.json()).toMatchObject({ code: 'OUTSIDE_SCHEDULE', details: { reason: 'time_off' } });
  });

  it('refuses the past, short notice and beyond the horizon', async () => {
    const f = await bookingFixture(t, { settings: { bookingHorizonDays: 10, minimumNoticeMinutes: 120 } });
    const base = { doctorId: f.doctorId, patientId: f.patientId };
    const past = await book(t, f.auth, { ...base, start: new Date(Date.now() - 3_600_000).toISOString() });
    expect(past.statusCode).toBe(422);
    expect(past.json().code).toBe('IN_THE_PAST');
    const soon = await book(t, f.auth, { ...base, start: minutesFromNow(30, 5).toISOString() });
    expect(soon.statusCode).toBe(422);
    expect(soon.json()).toMatchObject({ code: 'OUTSIDE_BOOKING_WINDOW', details: { reason: 'minimum_notice' } });
    const far = await book(t, f.auth, { ...base, start: daysAheadAt(12, 10).toISOString() });
    expect(far.statusCode).toBe(422);
    expect(far.json()).toMatchObject({ code: 'OUTSIDE_BOOKING_WINDOW', details: { reason: 'booking_horizon' } });
    expect((await book(t, f.auth, { ...base, start: daysAheadAt(5, 10).toISOString() })).statusCode).toBe(201);
  });

  it('refuses a deactivated doctor', async () => {
    const f = await bookingFixture(t);
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/doctors/${f.doctorId}`, headers: f.auth });
    expect(del.statusCode).toBeLessThan(300);
    const res = await book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 10).toISOString() });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('DOCTOR_INACTIVE');
  });

  it("answers 404 for another hospital's doctor or patient", async () => {
    const mine = await bookingFixture(t);
    const theirs = await bookingFixture(t);
    const start = daysAheadAt(2, 10).toISOString();
    const foreignDoctor = await book(t, mine.auth, { doctorId: theirs.doctorId, patientId: mine.patientId, start });
    expect(foreignDoctor.statusCode).toBe(404);
    const foreignPatient = await book(t, mine.auth, { doctorId: mine.doctorId, patientId: theirs.patientId, start });
    expect(foreignPatient.statusCode).toBe(404);
  });

  it('lets a doctor book only for themselves and staff for anyone', async () => {
    const f = await bookingFixture(t);
    const otherDoctor = await addDoctor(t, f.auth);
    const doctorUser = await addMember(t, f.hospital, 'doctor', { doctorId: f.doctorId });
    const staff = await addMember(t, f.hospital, 'staff');
    const start = daysAheadAt(2, 10).toISOString();
    const own = await book(t, doctorUser.auth, { doctorId: f.doctorId, patientId: f.patientId, start });
    expect(own.statusCode).toBe(201);
    const foreign = await book(t, doctorUser.auth, { doctorId: otherDoctor, patientId: f.patientId, start: daysAheadAt(2, 12).toISOString() });
    expect(foreign.statusCode).toBe(403);
    const byStaff = await book(t, staff.auth, { doctorId: otherDoctor, patientId: f.patientId, start: daysAheadAt(2, 12).toISOString() });
    expect(byStaff.statusCode).toBe(201);
    // The doctor sees their own appointment, not the other doctor's.
    const list = await t.app.inject({ method: 'GET', url: '/v1/appointments', headers: doctorUser.auth });
    expect(list.json().data.map((a: { id: string }) => a.id)).toEqual([own.json().data.id]);
    const other = await t.app.inject({ method: 'GET', url: `/v1/appointments/${byStaff.json().data.id}`, headers: doctorUser.auth });
    expect(other.statusCode).toBe(404);
  });

  it('enforces the monthly plan limit (403) and an active subscription (402), never blocking reads', async () => {
    const f = await bookingFixture(t);
    await setMonthlyLimit(t, f.hospital.id, 2);
    // Same local month for all three: days 2..4 of next month.
    const month = new Date();
    const at = (day: number) => new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, day, 10)).toISOString();
    const base = { doctorId: f.doctorId, patientId: f.patientId };
    const first = await bookOk(t, f.auth, { ...base, start: at(2) });
    await bookOk(t, f.auth, { ...base, start: at(3) });
    const third = await book(t, f.auth, { ...base, start: at(4) });
    expect(third.statusCode).toBe(403);
    expect(third.json()).toMatchObject({ code: 'PLAN_LIMIT_REACHED', details: { limit: 2, current: 2, limitName: 'maxAppointmentsPerMonth' } });
    // A cancelled one frees its place in the month.
    expect((await t.app.inject({ method: 'POST', url: `/v1/appointments/${first.id}/cancel`, headers: f.auth, payload: {} })).statusCode).toBe(200);
    expect((await book(t, f.auth, { ...base, start: at(4) })).statusCode).toBe(201);

    await setSubscriptionStatus(t, f.hospital.id, 'past_due');
    const blocked = await book(t, f.auth, { ...base, start: at(5) });
    expect(blocked.statusCode).toBe(402);
    expect(blocked.json().code).toBe('SUBSCRIPTION_INACTIVE');
    const read = await t.app.inject({ method: 'GET', url: '/v1/appointments', headers: f.auth });
    expect(read.statusCode).toBe(200);
    expect(read.json().data).toHaveLength(3);
  });

  it("keeps the doctor's buffer between appointments", async () => {
    const f = await bookingFixture(t, { slotMinutes: 30, bufferMinutes: 10 });
    const base = { doctorId: f.doctorId };
    const start = daysAheadAt(2, 10);
    await bookOk(t, f.auth, { ...base, patientId: f.patientId, start: start.toISOString() });
    const other = await addPatient(t, f.auth);
    const tooClose = await book(t, f.auth, { ...base, patientId: other, start: new Date(start.getTime() + 35 * 60_000).toISOString() });
    expect(tooClose.statusCode).toBe(409);
    expect(tooClose.json()).toMatchObject({ code: 'SLOT_UNAVAILABLE', details: { reason: 'buffer' } });
    const fine = await book(t, f.auth, { ...base, patientId: other, start: new Date(start.getTime() + 40 * 60_000).toISOString() });
    expect(fine.statusCode).toBe(201);
  });

  it('refuses an overlap for the doctor (SLOT_UNAVAILABLE) and for the patient (PATIENT_BUSY)', async () => {
    const f = await bookingFixture(t);
    const start = daysAheadAt(2, 10);
    await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: start.toISOString() });
    const otherPatient = await addPatient(t, f.auth);
    const doctorBusy = await book(t, f.auth, { doctorId: f.doctorId, patientId: otherPatient, start: new Date(start.getTime() + 10 * 60_000).toISOString() });
    expect(doctorBusy.statusCode).toBe(409);
    expect(doctorBusy.json().code).toBe('SLOT_UNAVAILABLE');
    const otherDoctor = await addDoctor(t, f.auth);
    const patientBusy = await book(t, f.auth, { doctorId: otherDoctor, patientId: f.patientId, start: new Date(start.getTime() + 10 * 60_000).toISOString() });
    expect(patientBusy.statusCode).toBe(409);
    expect(patientBusy.json().code).toBe('PATIENT_BUSY');
    // Back to back is fine.
    expect((await book(t, f.auth, { doctorId: f.doctorId, patientId: otherPatient, start: new Date(start.getTime() + 30 * 60_000).toISOString() })).statusCode).toBe(201);
    const [count] = await rawRows<{ n: number }>(t.deps.database.db, sql`select count(*)::int as n from appointments where hospital_id = ${f.hospital.id}`);
    expect(count!.n).toBe(2);
  });

  it('sees an overlap by the longest appointment allowed (the start bound of liveOverlap), and stores none longer', async () => {
    const f = await bookingFixture(t);
    const start = daysAheadAt(2, 10);
    const otherPatient = await addPatient(t, f.auth);
    const long = (minutes: number, from: Date) =>
      t.deps.database.db.execute(
        sql`insert into appointments (hospital_id, doctor_id, patient_id, starts_at, ends_at)
            values (${f.hospital.id}, ${f.doctorId}, ${otherPatient}, ${from.toISOString()}::timestamptz,
                    ${from.toISOString()}::timestamptz + make_interval(mins => ${minutes}::int))`,
      );
    // 480 minutes ending 10 minutes into the slot: it starts 7 h 50 min before it, inside the bound.
    await long(480, new Date(start.getTime() - 470 * 60_000));
    const taken = await book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: start.toISOString() });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().code).toBe('SLOT_UNAVAILABLE');
    await expect(long(481, daysAheadAt(5, 2))).rejects.toMatchObject({ cause: { code: '23514' } });
  });

  it('maps the exclusion constraints (23P01) by name, whatever path reaches them', async () => {
    const f = await bookingFixture(t);
    const appt = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 10).toISOString() });
    const otherPatient = await addPatient(t, f.auth);
    const otherDoctor = await addDoctor(t, f.auth);
    const insert = (doctorId: string, patientId: string) =>
      t.deps.database.db
        .execute(
          sql`insert into appointments (hospital_id, doctor_id, patient_id, starts_at, ends_at)
              values (${f.hospital.id}, ${doctorId}, ${patientId}, ${appt.start}::timestamptz, ${appt.end}::timestamptz)`,
        )
        .then(
          () => null,
          (err: unknown) => exclusionError(err),
        );
    expect((await insert(f.doctorId, otherPatient))?.code).toBe('SLOT_UNAVAILABLE');
    expect((await insert(otherDoctor, f.patientId))?.code).toBe('PATIENT_BUSY');
  });

  it('answers 4xx, never 500, for bad input', async () => {
    const f = await bookingFixture(t);
    const start = daysAheadAt(2, 10).toISOString();
    const good = { doctorId: f.doctorId, patientId: f.patientId, start };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, doctorId: 'not-a-uuid' }, 'doctorId'],
      [{ ...good, start: 'tomorrow' }, 'start'],
      [{ ...good, start: '2030-02-30T10:00:00Z' }, 'start'],
      [{ ...good, start: '2030-01-10T10:00:00' }, 'start'],
      [{ ...good, durationMinutes: 4 }, 'durationMinutes'],
      [{ ...good, durationMinutes: 481 }, 'durationMinutes'],
      [{ ...good, durationMinutes: 30.5 }, 'durationMinutes'],
      [{ ...good, status: 'completed' }, 'status'],
      [{ doctorId: f.doctorId, start }, 'patientId'],
    ];
    for (const [payload, field] of cases) {
      const res = await book(t, f.auth, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
      expect(JSON.stringify(res.json().details)).toContain(field);
    }
    const notJson = await t.app.inject({ method: 'POST', url: '/v1/appointments', headers: { ...f.auth, 'content-type': 'application/json' }, payload: '{nope' });
    expect(notJson.statusCode).toBe(400);
    const badKey = await book(t, f.auth, good, { 'idempotency-key': 'x'.repeat(300) });
    expect(badKey.statusCode).toBe(400);
  });
});

/** The next date (YYYY-MM-DD) with ISO weekday `weekday`, at least 2 days ahead. */
function nextWeekday(weekday: number): string {
  const d = new Date(Date.now() + 2 * 86_400_000);
  while (((d.getUTCDay() + 6) % 7) + 1 !== weekday) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** A Berlin wall-clock time on `date` as an instant. */
function berlin(date: string, hhmm: string): string {
  return Temporal.PlainDateTime.from(`${date}T${hhmm}`).toZonedDateTime('Europe/Berlin').toInstant().toString();
}
