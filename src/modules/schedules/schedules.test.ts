import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { registerHospital } from '../../../test/helpers/factories.ts';
import { addMember } from '../../../test/helpers/member-factories.ts';
import { action, bookingFixture, bookOk, daysAheadAt } from '../../../test/helpers/appointment-factories.ts';
import { createDoctor, createPatient, putSchedule, weekdays } from '../../../test/helpers/scheduling-factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'false' } });
});
afterAll(async () => {
  await t.close();
});

const inject = (method: 'GET' | 'POST' | 'DELETE' | 'PUT', url: string, headers: { authorization: string }, payload?: unknown) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('weekly schedule', () => {
  it('stores several intervals a day, returns them sorted in the hospital zone, and replaces them as a whole', async () => {
    const h = await registerHospital(t, { timezone: 'America/New_York' });
    const doctor = await createDoctor(t, h.auth, { slotMinutes: 20 });
    const empty = await inject('GET', `/v1/doctors/${doctor.id}/schedule`, h.auth);
    expect(empty.statusCode).toBe(200);
    expect(empty.json().data).toEqual({ doctorId: doctor.id, timezone: 'America/New_York', slotMinutes: 20, bufferMinutes: 0, weekly: [] });

    const saved = await putSchedule(t, h.auth, doctor.id, {
      weekly: [
        { day: 'tuesday', start: '14:00', end: '18:00' },
        { day: 'monday', start: '13:30', end: '17:00' },
        { day: 'monday', start: '09:00', end: '12:30' },
        { day: 'friday', start: '22:00', end: '24:00' },
        { day: 'saturday', start: '00:00', end: '02:00' },
        { day: 'sunday', start: '10:00', end: '10:20' },
        { day: 'tuesday', start: '09:00', end: '14:00' },
      ],
      bufferMinutes: 5,
    });
    expect(saved).toEqual({
      doctorId: doctor.id,
      timezone: 'America/New_York',
      slotMinutes: 20,
      bufferMinutes: 5,
      weekly: [
        { day: 'monday', start: '09:00', end: '12:30' },
        { day: 'monday', start: '13:30', end: '17:00' },
        { day: 'tuesday', start: '09:00', end: '14:00' },
        { day: 'tuesday', start: '14:00', end: '18:00' },
        { day: 'friday', start: '22:00', end: '24:00' },
        { day: 'saturday', start: '00:00', end: '02:00' },
        { day: 'sunday', start: '10:00', end: '10:20' },
      ],
    });
    expect((await inject('GET', `/v1/doctors/${doctor.id}/schedule`, h.auth)).json().data).toEqual(saved);

    const replaced = await putSchedule(t, h.auth, doctor.id, { weekly: weekdays('08:00', '12:00'), slotMinutes: 15 });
    expect(replaced.weekly).toHaveLength(5);
    expect(replaced).toMatchObject({ slotMinutes: 15, bufferMinutes: 5 });
    // slotMinutes is the doctor's: the doctor resource follows.
    expect((await inject('GET', `/v1/doctors/${doctor.id}`, h.auth)).json().data.slotMinutes).toBe(15);
    const cleared = await putSchedule(t, h.auth, doctor.id, { weekly: [] });
    expect(cleared.weekly).toEqual([]);
    const audits = await rawRows<{ n: number }>(
      t.deps.database.db,
      sql`select count(*)::int as n from audit_events where hospital_id = ${h.id} and action = 'doctor.schedule_replaced'`,
    );
    expect(audits[0]!.n).toBe(3);
  });

  it.each([
    [{ weekly: [{ day: 'funday', start: '09:00', end: '10:00' }] }, 'weekly.0.day'],
    [{ weekly: [{ day: 'Monday', start: '09:00', end: '10:00' }] }, 'weekly.0.day'],
    [{ weekly: [{ day: 'monday', start: '9:00', end: '10:00' }] }, 'weekly.0.start'],
    [{ weekly: [{ day: 'monday', start: '09:60', end: '10:00' }] }, 'weekly.0.start'],
    [{ weekly: [{ day: 'monday', start: '24:00', end: '24:00' }] }, 'weekly.0.start'],
    [{ weekly: [{ day: 'monday', start: '09:00', end: '24:30' }] }, 'weekly.0.end'],
    [{ weekly: [{ day: 'monday', start: '09:00', end: '9am' }] }, 'weekly.0.end'],
    [{ weekly: [{ day: 'monday', start: '09:00' }] }, 'weekly.0.end'],
    [{ weekly: [{ day: 'monday', start: '10:00', end: '10:00' }] }, 'weekly.0.end'],
    [{ weekly: [{ day: 'monday', start: '10:00', end: '09:00' }] }, 'weekly.0.end'],
    [{ weekly: [{ day: 'monday', start: '09:00', end: '10:00', room: 'A' }] }, 'weekly.0.room'],
    [
      {
        weekly: [
          { day: 'monday', start: '09:00', end: '12:00' },
          { day: 'tuesday', start: '09:00', end: '12:00' },
          { day: 'monday', start: '11:30', end: '13:00' },
        ],
      },
      'weekly.2',
    ],
    [{ weekly: [{ day: 'friday', start: '08:00', end: '18:00' }, { day: 'friday', start: '09:00', end: '10:00' }] }, 'weekly.1'],
    [{ weekly: [], slotMinutes: 4 }, 'slotMinutes'],
    [{ weekly: [], slotMinutes: 241 }, 'slotMinutes'],
    [{ weekly: [], bufferMinutes: -1 }, 'bufferMinutes'],
    [{ weekly: [], bufferMinutes: 241 }, 'bufferMinutes'],
    [{ slotMinutes: 30 }, 'weekly'],
    // ajv coerces a scalar into a one-item array (coerceTypes: 'array'), so the item is what is named.
    [{ weekly: 'monday 9-5' }, 'weekly'],
    [{ weekly: [], timezone: 'UTC' }, 'timezone'],
  ])('refuses %j with a 400 naming %s', async (payload, field) => {
    const h = await registerHospital(t);
    const doctor = await createDoctor(t, h.auth);
    const res = await inject('PUT', `/v1/doctors/${doctor.id}/schedule`, h.auth, payload);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('VALIDATION_ERROR');
    expect(body.details.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  it('refuses an interval shorter than one slot (it could never offer one), naming it, with the slot length sent or the current one', async () => {
    const h = await registerHospital(t);
    const doctor = await createDoctor(t, h.auth, { slotMinutes: 30 });
    const weekly = [
      { day: 'monday', start: '09:00', end: '12:00' },
      { day: 'monday', start: '13:00', end: '13:20' },
    ];
    const current = await inject('PUT', `/v1/doctors/${doctor.id}/schedule`, h.auth, { weekly });
    expect(current.statusCode).toBe(400);
    expect(current.json().details.fields).toEqual([
      { field: 'weekly.1', in: 'body', message: '(monday 13:00–13:20) is 20 minutes long, shorter than one 30-minute slot: it could never offer a slot' },
    ]);
    const longerSlot = await inject('PUT', `/v1/doctors/${doctor.id}/schedule`, h.auth, { weekly: weekly.slice(0, 1), slotMinutes: 240 });
    expect(longerSlot.json().details.fields[0]).toMatchObject({ field: 'weekly.0', message: expect.stringContaining('shorter than one 240-minute slot') });
    // Exactly one slot long is fine, and so is the same interval with a shorter slot sent along.
    expect((await inject('PUT', `/v1/doctors/${doctor.id}/schedule`, h.auth, { weekly: [{ day: 'monday', start: '13:00', end: '13:30' }] })).statusCode).toBe(200);
    expect((await inject('PUT', `/v1/doctors/${doctor.id}/schedule`, h.auth, { weekly, slotMinutes: 20 })).statusCode).toBe(200);
  });

  it('refuses an interval crossing local midnight with a 400 that says how to write it', async () => {
    const h = await registerHospital(t);
    const doctor = await createDoctor(t, h.auth);
    const res = await inject('PUT', `/v1/doctors/${doctor.id}/schedule`, h.auth, { weekly: [{ day: 'friday', start: '22:00', end: '06:00' }] });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.fields[0].field).toBe('weekly.0.end');
    expect(res.json().error).toMatch(/may not cross local midnight.*22:00–24:00 on friday and 00:00–06:00 on the next day/);
  });

  it('lets a doctor edit only their own schedule; staff read it but cannot write', async () => {
    const h = await registerHospital(t);
    const mine = await createDoctor(t, h.auth);
    const theirs = await createDoctor(t, h.auth);
    const doc = await addMember(t, h, 'doctor', { doctorId: mine.id });
    const staff = await addMember(t, h, 'staff');
    const body = { weekly: weekdays('09:00', '17:00') };
    expect((await inject('PUT', `/v1/doctors/${mine.id}/schedule`, doc.auth, body)).statusCode).toBe(200);
    const other = await inject('PUT', `/v1/doctors/${theirs.id}/schedule`, doc.auth, body);
    expect(other.statusCode).toBe(403);
    expect(other.json().code).toBe('FORBIDDEN');
    expect((await inject('GET', `/v1/doctors/${theirs.id}/schedule`, doc.auth)).statusCode).toBe(200);
    expect((await inject('GET', `/v1/doctors/${mine.id}/schedule`, staff.auth)).statusCode).toBe(200);
    expect((await inject('PUT', `/v1/doctors/${mine.id}/schedule`, staff.auth, body)).statusCode).toBe(403);
    // A doctor member not linked to any doctor record writes no schedule at all.
    const unlinked = await addMember(t, h, 'doctor');
    expect((await inject('PUT', `/v1/doctors/${mine.id}/schedule`, unlinked.auth, body)).statusCode).toBe(403);
  });
});

describe('time off', () => {
  it('adds, lists (overlaps allowed) with cursors and filters, and removes', async () => {
    const h = await registerHospital(t);
    const doctor = await createDoctor(t, h.auth);
    const base = `/v1/doctors/${doctor.id}/time-off`;
    const a = await inject('POST', base, h.auth, { start: '2030-07-01T08:00:00+02:00', end: '2030-07-05T18:00:00+02:00', reason: 'Holiday' });
    expect(a.statusCode).toBe(201);
    expect(a.json().data).toMatchObject({ doctorId: doctor.id, start: '2030-07-01T06:00:00.000Z', end: '2030-07-05T16:00:00.000Z', reason: 'Holiday' });
    const b = await inject('POST', base, h.auth, { start: '2030-07-03T00:00:00Z', end: '2030-07-08T00:00:00Z' });
    expect(b.statusCode).toBe(201);
    const c = await inject('POST', base, h.auth, { start: '2030-09-01T00:00:00Z', end: '2030-09-02T00:00:00Z' });
    expect(c.statusCode).toBe(201);

    const page1 = await inject('GET', `${base}?limit=2`, h.auth);
    expect(page1.json().data.map((x: { id: string }) => x.id)).toEqual([a.json().data.id, b.json().data.id]);
    const page2 = await inject('GET', `${base}?limit=2&cursor=${page1.json().page.nextCursor}`, h.auth);
    expect(page2.json().data.map((x: { id: string }) => x.id)).toEqual([c.json().data.id]);
    expect(page2.json().page.nextCursor).toBeNull();
    const july = await inject('GET', `${base}?from=2030-07-06T00:00:00Z&to=2030-08-01T00:00:00Z`, h.auth);
    expect(july.json().data.map((x: { id: string }) => x.id)).toEqual([b.json().data.id]);

    const del = await inject('DELETE', `${base}/${b.json().data.id}`, h.auth);
    expect(del.statusCode).toBe(200);
    expect((await inject('DELETE', `${base}/${b.json().data.id}`, h.auth)).statusCode).toBe(404);
    expect((await inject('GET', base, h.auth)).json().data).toHaveLength(2);
  });

  it('answers 201 listing the booked appointments the time off covers, so staff can move or cancel them', async () => {
    const f = await bookingFixture(t);
    const other = await createPatient(t, f.auth, { name: 'Other Patient' });
    const at = (hh: number, mm = 0) => daysAheadAt(4, hh, mm).toISOString();
    // 09:45–10:15 straddles the start, 11:00–11:30 lies inside, 12:00–12:30 touches the end, 08:00 is outside;
    // a cancelled one inside does not count.
    const straddling = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: at(9, 45), durationMinutes: 30 });
    const inside = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: other.id, start: at(11), durationMinutes: 30 });
    await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: at(12), durationMinutes: 30 });
    await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: at(8), durationMinutes: 30 });
    const cancelled = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: at(10, 30), durationMinutes: 15 });
    expect((await action(t, f.auth, cancelled.id, 'cancel')).statusCode).toBe(200);

    const res = await inject('POST', `/v1/doctors/${f.doctorId}/time-off`, f.auth, { start: at(10), end: at(12), reason: 'Training' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.data).toMatchObject({ doctorId: f.doctorId, start: at(10), end: at(12) });
    expect(body.message).toBe('Time off added; 2 booked appointments fall inside it: move or cancel them (see details)');
    expect(body.details).toEqual({
      overlappingTotal: 2,
      overlappingAppointments: [
        { id: straddling.id, start: straddling.start, end: straddling.end, patientId: f.patientId },
        { id: inside.id, start: inside.start, end: inside.end, patientId: other.id },
      ],
    });
    // They are not touched: still booked.
    const still = await t.app.inject({ method: 'GET', url: `/v1/appointments/${inside.id}`, headers: f.auth });
    expect(still.json().data.status).toBe('scheduled');
    // Time off over nothing booked answers without details.
    const free = await inject('POST', `/v1/doctors/${f.doctorId}/time-off`, f.auth, { start: daysAheadAt(9, 10).toISOString(), end: daysAheadAt(9, 12).toISOString() });
    expect(free.statusCode).toBe(201);
    expect(free.json()).not.toHaveProperty('details');
    expect(free.json().message).toBe('Time off added');
  });

  it("is 404 for another doctor's time off id and for an unknown doctor", async () => {
    const h = await registerHospital(t);
    const one = await createDoctor(t, h.auth);
    const two = await createDoctor(t, h.auth);
    const entry = await inject('POST', `/v1/doctors/${one.id}/time-off`, h.auth, { start: '2030-01-01T00:00:00Z', end: '2030-01-02T00:00:00Z' });
    expect((await inject('DELETE', `/v1/doctors/${two.id}/time-off/${entry.json().data.id}`, h.auth)).statusCode).toBe(404);
    const unknown = '7d0c2a1e-1111-4222-8333-944455556666';
    expect((await inject('GET', `/v1/doctors/${unknown}/time-off`, h.auth)).statusCode).toBe(404);
    expect((await inject('POST', `/v1/doctors/${unknown}/time-off`, h.auth, { start: '2030-01-01T00:00:00Z', end: '2030-01-02T00:00:00Z' })).statusCode).toBe(404);
  });

  it('lets a doctor manage only their own time off', async () => {
    const h = await registerHospital(t);
    const mine = await createDoctor(t, h.auth);
    const theirs = await createDoctor(t, h.auth);
    const doc = await addMember(t, h, 'doctor', { doctorId: mine.id });
    const body = { start: '2030-01-01T00:00:00Z', end: '2030-01-02T00:00:00Z' };
    const own = await inject('POST', `/v1/doctors/${mine.id}/time-off`, doc.auth, body);
    expect(own.statusCode).toBe(201);
    expect((await inject('POST', `/v1/doctors/${theirs.id}/time-off`, doc.auth, body)).statusCode).toBe(403);
    const theirEntry = await inject('POST', `/v1/doctors/${theirs.id}/time-off`, h.auth, body);
    expect((await inject('DELETE', `/v1/doctors/${theirs.id}/time-off/${theirEntry.json().data.id}`, doc.auth)).statusCode).toBe(403);
    expect((await inject('DELETE', `/v1/doctors/${mine.id}/time-off/${own.json().data.id}`, doc.auth)).statusCode).toBe(200);
  });

  it.each([
    ['POST', '', { end: '2030-01-02T00:00:00Z' }, 'start'],
    ['POST', '', { start: '2030-01-01T00:00:00Z' }, 'end'],
    ['POST', '', { start: '2030-01-01T10:00:00', end: '2030-01-02T00:00:00Z' }, 'start'],
    ['POST', '', { start: '2030-01-01', end: '2030-01-02T00:00:00Z' }, 'start'],
    ['POST', '', { start: '2030-02-30T10:00:00Z', end: '2030-03-02T00:00:00Z' }, 'start'],
    ['POST', '', { start: '2030-01-02T00:00:00Z', end: '2030-01-01T00:00:00Z' }, 'end'],
    ['POST', '', { start: '2030-01-01T00:00:00Z', end: '2030-01-01T00:00:00Z' }, 'end'],
    ['POST', '', { start: '2030-01-01T00:00:00Z', end: '2030-01-02T00:00:00Z', reason: 'x'.repeat(501) }, 'reason'],
    ['POST', '', { start: '2030-01-01T00:00:00Z', end: '2030-01-02T00:00:00Z', doctorId: 'x' }, 'doctorId'],
    ['POST', '', { start: 12, end: '2030-01-02T00:00:00Z' }, 'start'],
    ['GET', '?from=yesterday', undefined, 'from'],
    ['GET', '?to=2030-01-01', undefined, 'to'],
    ['GET', '?cursor=WyJub3QgYSBkYXRlIiwiN2QwYzJhMWUtMTExMS00MjIyLTgzMzMtOTQ0NDU1NTU2NjY2Il0', undefined, 'cursor'],
    ['DELETE', '/not-a-uuid', undefined, 'timeOffId'],
  ] as const)('%s time-off%s %j -> 400 naming %s', async (method, suffix, payload, field) => {
    const h = await registerHospital(t);
    const doctor = await createDoctor(t, h.auth);
    const res = await inject(method, `/v1/doctors/${doctor.id}/time-off${suffix}`, h.auth, payload);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('VALIDATION_ERROR');
    expect(`${body.error} ${JSON.stringify(body.details ?? {})}`).toContain(field);
  });

  it('answers 400 for a malformed doctor id on every schedule route', async () => {
    const h = await registerHospital(t);
    for (const [method, url] of [
      ['GET', '/v1/doctors/nope/schedule'],
      ['PUT', '/v1/doctors/nope/schedule'],
      ['GET', '/v1/doctors/nope/time-off'],
      ['POST', '/v1/doctors/nope/time-off'],
      ['DELETE', '/v1/doctors/nope/time-off/7d0c2a1e-1111-4222-8333-944455556666'],
      ['GET', '/v1/doctors/nope/availability?from=2030-01-01&to=2030-01-02'],
    ] as const) {
      const payload = method === 'PUT' ? { weekly: [] } : method === 'POST' ? { start: '2030-01-01T00:00:00Z', end: '2030-01-02T00:00:00Z' } : undefined;
      const res = await inject(method, url, h.auth, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(400);
      expect(JSON.stringify(res.json().details)).toContain('"id"');
    }
  });
});
