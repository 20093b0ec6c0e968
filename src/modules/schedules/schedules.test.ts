import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { registerHospital } from '../../../test/helpers/factories.ts';
import { addMember } from '../../../test/helpers/member-factories.ts';
import { createDoctor, putSchedule, weekdays } from '../../../test/helpers/scheduling-factories.ts';

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
        { day: 'sunday', start: '10:00', end: '10:05' },
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
        { day: 'sunday', start: '10:00', end: '10:05' },
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
