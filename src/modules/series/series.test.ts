import { Temporal } from 'temporal-polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import {
  addDoctor,
  addPatient,
  appointmentTestEnv,
  book,
  bookingFixture,
  bookOk,
  outboxFor,
  setMonthlyLimit,
} from '../../../test/helpers/appointment-factories.ts';
import { addMember } from '../../../test/helpers/member-factories.ts';
import {
  bookSeries,
  bookSeriesOk,
  localInstant,
  nextOffsetChange,
  seriesOutbox,
  seriesRowsOf,
  wallClock,
} from '../../../test/helpers/series-factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: appointmentTestEnv });
});
afterAll(async () => {
  await t.close();
});

/** A UTC hospital's local date `days` from today. */
const utcDay = (days: number) => Temporal.Now.plainDateISO('UTC').add({ days });

describe('POST /v1/appointment-series', () => {
  it.each(['America/New_York', 'Europe/London'])('keeps 09:00 local across the DST change in %s, one confirmation, reminders per occurrence', async (zone) => {
    const f = await bookingFixture(t, { timezone: zone, settings: { bookingHorizonDays: 730, reminderOffsetsMinutes: [1440] } });
    const change = nextOffsetChange(zone);
    const first = localInstant(zone, change.subtract({ days: 15 }), '09:00');
    const series = await bookSeriesOk(t, f.auth, {
      doctorId: f.doctorId,
      patientId: f.patientId,
      start: first.toISOString(),
      recurrence: { frequency: 'weekly', count: 5 },
    });
    expect(series).toMatchObject({ timezone: zone, onConflict: 'fail', recurrence: { frequency: 'weekly', interval: 1, count: 5, until: null }, skipped: [] });
    expect(series.occurrences).toHaveLength(5);
    const walls = series.occurrences.map((o) => wallClock(zone, o.start));
    expect(walls.map((w) => w.time)).toEqual(['09:00', '09:00', '09:00', '09:00', '09:00']);
    // Each a week apart in local dates, and the offset changed in between (the instants moved by an hour).
    expect(walls.map((w) => w.date)).toEqual([0, 7, 14, 21, 28].map((d) => change.subtract({ days: 15 }).add({ days: d }).toString()));
    expect(walls[0]!.offset).not.toBe(walls[4]!.offset);
    expect(series.occurrences.every((o) => o.seriesId === series.id && o.status === 'scheduled')).toBe(true);

    // One confirmation for the series; each occurrence queues its own reminder and no confirmation of its own.
    expect((await seriesOutbox(t, series.id)).map((m) => [m.type, m.payload.appointmentIds.length])).toEqual([['appointment_series.booked', 5]]);
    for (const o of series.occurrences) {
      const messages = await outboxFor(t, o.id);
      expect(messages.map((m) => m.type)).toEqual(['appointment.reminder']);
      expect(messages[0]!.available_at.getTime()).toBe(new Date(o.start).getTime() - 1440 * 60_000);
    }
  });

  it('fail: one taken occurrence refuses the whole series with every conflict listed, and writes nothing', async () => {
    const f = await bookingFixture(t);
    const other = await addPatient(t, f.auth);
    const at = (d: number) => localInstant('UTC', utcDay(d), '10:00').toISOString();
    await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: other, start: at(9) });
    const res = await bookSeries(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: at(2), recurrence: { frequency: 'weekly', count: 4 } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'SERIES_CONFLICT',
      details: { conflicts: [{ start: at(9), code: 'SLOT_UNAVAILABLE', reason: expect.stringContaining('already has an appointment') }] },
    });
    expect(res.json().details.conflicts).toHaveLength(1);
    expect(await seriesRowsOf(t, f.hospital.id)).toEqual({ series: 0, occurrences: 0, events: 0 });
    const list = await t.app.inject({ method: 'GET', url: `/v1/appointments?patientId=${f.patientId}`, headers: f.auth });
    expect(list.json().data).toEqual([]);
  });

  it('fail lists every kind of conflict: slot taken, patient busy, outside the hours', async () => {
    const f = await bookingFixture(t);
    const otherDoctor = await addDoctor(t, f.auth);
    const otherPatient = await addPatient(t, f.auth);
    const at = (d: number) => localInstant('UTC', utcDay(d), '10:00').toISOString();
    await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: otherPatient, start: at(3) });
    await bookOk(t, f.auth, { doctorId: otherDoctor, patientId: f.patientId, start: at(5) });
    await t.app.inject({ method: 'POST', url: `/v1/doctors/${f.doctorId}/time-off`, headers: f.auth, payload: { start: at(6), end: at(7) } });
    const res = await bookSeries(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: at(2), recurrence: { frequency: 'daily', count: 6 } });
    expect(res.statusCode).toBe(409);
    expect(res.json().details.conflicts.map((c: { start: string; code: string }) => [c.start, c.code])).toEqual([
      [at(3), 'SLOT_UNAVAILABLE'],
      [at(5), 'PATIENT_BUSY'],
      [at(6), 'OUTSIDE_SCHEDULE'],
    ]);
    expect(await seriesRowsOf(t, f.hospital.id)).toEqual({ series: 0, occurrences: 0, events: 0 });
  });

  it('skip: books the free occurrences and lists the skipped, on the series too; none free is a 409', async () => {
    const f = await bookingFixture(t);
    const other = await addPatient(t, f.auth);
    const at = (d: number) => localInstant('UTC', utcDay(d), '10:00').toISOString();
    await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: other, start: at(4) });
    const series = await bookSeriesOk(t, f.auth, {
      doctorId: f.doctorId,
      patientId: f.patientId,
      start: at(2),
      durationMinutes: 45,
      reason: 'Physiotherapy',
      recurrence: { frequency: 'daily', interval: 2, count: 4 },
      onConflict: 'skip',
    });
    expect(series.occurrences.map((o) => o.start)).toEqual([at(2), at(6), at(8)]);
    expect(series.occurrences.every((o) => o.durationMinutes === 45 && o.reason === 'Physiotherapy')).toBe(true);
    expect(series.skipped).toEqual([{ start: at(4), code: 'SLOT_UNAVAILABLE', reason: expect.any(String), details: { reason: 'overlap' } }]);
    const read = await t.app.inject({ method: 'GET', url: `/v1/appointment-series/${series.id}`, headers: f.auth });
    expect(read.statusCode).toBe(200);
    expect(read.json().data).toMatchObject({ id: series.id, skipped: series.skipped, occurrences: series.occurrences.map((o) => ({ id: o.id, status: 'scheduled' })) });

    // The same times again: every one is taken now.
    const none = await bookSeries(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: at(2), recurrence: { frequency: 'daily', interval: 2, count: 4 }, onConflict: 'skip' });
    expect(none.statusCode).toBe(409);
    expect(none.json().code).toBe('SERIES_CONFLICT');
    expect(none.json().details.conflicts).toHaveLength(4);
  });

  it('counts each occurrence in its own month: passing the limit in one month is refused with the numbers', async () => {
    const f = await bookingFixture(t, { settings: { bookingHorizonDays: 200 } });
    await setMonthlyLimit(t, f.hospital.id, 2);
    const monthA = Temporal.Now.plainDateISO('UTC').toPlainYearMonth().add({ months: 1 });
    const day20 = monthA.toPlainDate({ day: 20 });
    const at = (d: Temporal.PlainDate) => localInstant('UTC', d, '10:00').toISOString();
    const other = await addPatient(t, f.auth);
    await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: other, start: at(monthA.toPlainDate({ day: 2 })) });
    const body = { doctorId: f.doctorId, patientId: f.patientId, start: at(day20), recurrence: { frequency: 'weekly', count: 4 } };
    const res = await bookSeries(t, f.auth, body);
    expect(res.statusCode).toBe(409);
    expect(res.json().details).toEqual({
      conflicts: [{ start: at(day20.add({ days: 7 })), code: 'PLAN_LIMIT_REACHED', reason: expect.any(String) }],
      months: [{ month: monthA.toString(), limit: 2, used: 1, requested: 2 }],
    });
    expect(await seriesRowsOf(t, f.hospital.id)).toEqual({ series: 0, occurrences: 0, events: 0 });

    // skip books what fits: the 20th, and both in the next month.
    const skipped = await bookSeriesOk(t, f.auth, { ...body, onConflict: 'skip' });
    expect(skipped.occurrences.map((o) => o.start)).toEqual([at(day20), at(day20.add({ days: 14 })), at(day20.add({ days: 21 }))]);
    expect(skipped.skipped.map((s) => s.code)).toEqual(['PLAN_LIMIT_REACHED']);
  });

  it('two series for the same times at once: exactly one books, the other lists every occurrence as taken', async () => {
    const f = await bookingFixture(t);
    const other = await addPatient(t, f.auth);
    const start = localInstant('UTC', utcDay(4), '15:00').toISOString();
    const body = (patientId: string) => ({ doctorId: f.doctorId, patientId, start, recurrence: { frequency: 'weekly', count: 3 } });
    const answers = await Promise.all([bookSeries(t, f.auth, body(f.patientId)), bookSeries(t, f.auth, body(other))]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const refused = answers.find((r) => r.statusCode === 409)!.json();
    expect(refused.details.conflicts.map((c: { code: string }) => c.code)).toEqual(['SLOT_UNAVAILABLE', 'SLOT_UNAVAILABLE', 'SLOT_UNAVAILABLE']);
    expect(await seriesRowsOf(t, f.hospital.id)).toMatchObject({ series: 1, occurrences: 3 });
  });

  it('replays the first answer for the same Idempotency-Key and refuses the key for another body', async () => {
    const f = await bookingFixture(t);
    const body = { doctorId: f.doctorId, patientId: f.patientId, start: localInstant('UTC', utcDay(3), '11:00').toISOString(), recurrence: { frequency: 'daily', count: 3 } };
    const key = { 'idempotency-key': `series-${Date.now()}` };
    const first = await bookSeries(t, f.auth, body, key);
    expect(first.statusCode).toBe(201);
    const again = await bookSeries(t, f.auth, body, key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().data).toEqual(first.json().data);
    expect(await seriesRowsOf(t, f.hospital.id)).toMatchObject({ series: 1, occurrences: 3 });
    const reused = await bookSeries(t, f.auth, { ...body, recurrence: { frequency: 'daily', count: 4 } }, key);
    expect(reused.statusCode).toBe(422);
    expect(reused.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('lets a doctor book a series only for themselves, and hides other doctors\' series', async () => {
    const f = await bookingFixture(t);
    const otherDoctor = await addDoctor(t, f.auth);
    const doctorUser = await addMember(t, f.hospital, 'doctor', { doctorId: f.doctorId });
    const staff = await addMember(t, f.hospital, 'staff');
    const at = (d: number) => localInstant('UTC', utcDay(d), '08:00').toISOString();
    const recurrence = { frequency: 'daily', count: 2 };
    const foreign = await bookSeries(t, doctorUser.auth, { doctorId: otherDoctor, patientId: f.patientId, start: at(2), recurrence });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().code).toBe('FORBIDDEN');
    expect((await bookSeries(t, doctorUser.auth, { doctorId: f.doctorId, patientId: f.patientId, start: at(2), recurrence })).statusCode).toBe(201);
    const byStaff = await bookSeriesOk(t, staff.auth, { doctorId: otherDoctor, patientId: f.patientId, start: at(5), recurrence });
    for (const url of [`/v1/appointment-series/${byStaff.id}`]) {
      expect((await t.app.inject({ method: 'GET', url, headers: doctorUser.auth })).statusCode).toBe(404);
    }
    expect((await t.app.inject({ method: 'POST', url: `/v1/appointment-series/${byStaff.id}/cancel`, headers: doctorUser.auth, payload: {} })).statusCode).toBe(404);
  });

  it('answers 4xx for a bad recurrence, unknown people and unknown fields', async () => {
    const f = await bookingFixture(t);
    const start = localInstant('UTC', utcDay(2), '10:00');
    const base = { doctorId: f.doctorId, patientId: f.patientId, start: start.toISOString() };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...base, recurrence: { frequency: 'weekly' } }, 400, 'exactly one of count and until'],
      [{ ...base, recurrence: { frequency: 'weekly', count: 3, until: '2099-01-01' } }, 400, 'exactly one of count and until'],
      [{ ...base, recurrence: { frequency: 'weekly', until: start.toISOString() } }, 400, 'until must be after start'],
      [{ ...base, recurrence: { frequency: 'daily', until: utcDay(2).toString() } }, 400, 'gives 1 occurrences'],
      [{ ...base, recurrence: { frequency: 'daily', until: utcDay(80).toString() } }, 400, 'more than 52'],
      [{ ...base, recurrence: { frequency: 'daily', count: 53 } }, 400, 'count'],
      [{ ...base, recurrence: { frequency: 'daily', count: 1 } }, 400, 'count'],
      [{ ...base, recurrence: { frequency: 'daily', interval: 5, count: 2 } }, 400, 'interval'],
      [{ ...base, recurrence: { frequency: 'monthly', count: 2 } }, 400, 'frequency'],
      [{ ...base, recurrence: { frequency: 'daily', count: 2 }, onConflict: 'maybe' }, 400, 'onConflict'],
      [{ ...base, recurrence: { frequency: 'daily', count: 2 }, extra: 1 }, 400, 'extra'],
      [{ ...base, recurrence: { frequency: 'daily', until: 'tomorrow' } }, 400, 'until'],
      [{ ...base, start: '2030-01-01T10:00:00', recurrence: { frequency: 'daily', count: 2 } }, 400, 'start'],
      [{ ...base, doctorId: '00000000-0000-4000-8000-000000000000', recurrence: { frequency: 'daily', count: 2 } }, 404, 'Doctor'],
      [{ ...base, patientId: '00000000-0000-4000-8000-000000000000', recurrence: { frequency: 'daily', count: 2 } }, 404, 'Patient'],
    ];
    for (const [payload, status, words] of cases) {
      const res = await bookSeries(t, f.auth, payload);
      expect({ status: res.statusCode, body: res.json() }).toMatchObject({ status, body: { error: expect.stringContaining(words) } });
    }
    // until as a local date includes that day.
    const byDate = await bookSeriesOk(t, f.auth, { ...base, recurrence: { frequency: 'daily', until: utcDay(4).toString() } });
    expect(byDate.occurrences).toHaveLength(3);
    expect((await t.app.inject({ method: 'GET', url: '/v1/appointment-series/not-a-uuid', headers: f.auth })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/v1/appointment-series/00000000-0000-4000-8000-000000000000', headers: f.auth })).statusCode).toBe(404);
  });
});

describe('POST /v1/appointment-series/:id/cancel', () => {
  it('cancels the occurrences from an instant on, frees their times, sends one summary; the default is every future one', async () => {
    const f = await bookingFixture(t);
    const at = (d: number) => localInstant('UTC', utcDay(d), '10:00').toISOString();
    const series = await bookSeriesOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: at(2), recurrence: { frequency: 'weekly', count: 4 } });
    const res = await t.app.inject({ method: 'POST', url: `/v1/appointment-series/${series.id}/cancel`, headers: f.auth, payload: { from: at(16), reason: 'Treatment finished' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.occurrences.map((o: { status: string }) => o.status)).toEqual(['scheduled', 'scheduled', 'cancelled', 'cancelled']);
    expect(res.json().data.occurrences[2].cancelReason).toBe('Treatment finished');
    const summaries = (await seriesOutbox(t, series.id)).filter((m) => m.type === 'appointment_series.cancelled');
    expect(summaries.map((m) => m.payload.appointmentIds)).toEqual([[series.occurrences[2]!.id, series.occurrences[3]!.id]]);
    // One summary, no per-occurrence notice.
    expect((await outboxFor(t, series.occurrences[2]!.id)).map((m) => m.type)).not.toContain('appointment.cancelled');
    // The freed time can be booked again.
    const other = await addPatient(t, f.auth);
    expect((await book(t, f.auth, { doctorId: f.doctorId, patientId: other, start: at(16) })).statusCode).toBe(201);

    const rest = await t.app.inject({ method: 'POST', url: `/v1/appointment-series/${series.id}/cancel`, headers: f.auth });
    expect(rest.statusCode).toBe(200);
    expect(rest.json().data.occurrences.map((o: { status: string }) => o.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    const audit = await t.app.inject({ method: 'GET', url: `/v1/audit-events?entityId=${series.id}`, headers: f.auth });
    expect(audit.json().data.map((e: { action: string }) => e.action).sort()).toEqual([
      'appointment_series.booked',
      'appointment_series.cancelled',
      'appointment_series.cancelled',
    ]);
  });
});
