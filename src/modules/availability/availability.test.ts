import { Temporal } from 'temporal-polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { registerHospital, type RegisteredHospital } from '../../../test/helpers/factories.ts';
import { addMember } from '../../../test/helpers/member-factories.ts';
import {
  availability,
  createDoctor,
  everyDay,
  insertAppointment,
  insertPatientRow,
  putSchedule,
  type WeeklyEntry,
} from '../../../test/helpers/scheduling-factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'false' } });
});
afterAll(async () => {
  await t.close();
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A new hospital in `zone` with one doctor on `weekly` (60-minute slots unless told). */
async function doctorIn(zone: string, weekly: WeeklyEntry[], opts: { slotMinutes?: number; bufferMinutes?: number } = {}) {
  const h = await registerHospital(t, { timezone: zone });
  const doctor = await createDoctor(t, h.auth);
  await putSchedule(t, h.auth, doctor.id, { weekly, slotMinutes: 60, ...opts });
  return { h, doctor };
}

async function settings(h: RegisteredHospital, payload: Record<string, number>) {
  const res = await t.app.inject({ method: 'PATCH', url: '/v1/hospitals/me/settings', headers: h.auth, payload });
  expect(res.statusCode).toBe(200);
}

const pairs = (slots: { start: string; end: string }[]) => slots.map((s) => [s.start, s.end]);

/**
 * Through the API, on future DST days (the HTTP path uses the real clock).
 * Expectations worked out by hand from each zone's rule; slots.test.ts has
 * the reasoning beside each one.
 */
describe('availability across DST changes (hospital time zone)', () => {
  it.each([
    {
      zone: 'America/New_York',
      weekly: everyDay('09:00', '10:00'),
      from: '2027-03-13',
      to: '2027-03-15',
      expected: [
        ['2027-03-13T09:00:00-05:00', '2027-03-13T10:00:00-05:00'],
        ['2027-03-14T09:00:00-04:00', '2027-03-14T10:00:00-04:00'],
        ['2027-03-15T09:00:00-04:00', '2027-03-15T10:00:00-04:00'],
      ],
    },
    {
      zone: 'America/New_York',
      weekly: everyDay('00:00', '04:00'),
      from: '2027-03-14',
      to: '2027-03-14',
      expected: [
        ['2027-03-14T00:00:00-05:00', '2027-03-14T01:00:00-05:00'],
        ['2027-03-14T01:00:00-05:00', '2027-03-14T03:00:00-04:00'],
        ['2027-03-14T03:00:00-04:00', '2027-03-14T04:00:00-04:00'],
      ],
    },
    {
      zone: 'America/New_York',
      weekly: everyDay('00:30', '02:30'),
      slotMinutes: 30,
      from: '2027-11-07',
      to: '2027-11-07',
      expected: [
        ['2027-11-07T00:30:00-04:00', '2027-11-07T01:00:00-04:00'],
        ['2027-11-07T01:00:00-04:00', '2027-11-07T01:30:00-04:00'],
        ['2027-11-07T01:30:00-04:00', '2027-11-07T01:00:00-05:00'],
        ['2027-11-07T02:00:00-05:00', '2027-11-07T02:30:00-05:00'],
      ],
    },
    {
      zone: 'Europe/London',
      weekly: everyDay('00:00', '03:00'),
      from: '2027-03-28',
      to: '2027-03-28',
      expected: [
        ['2027-03-28T00:00:00+00:00', '2027-03-28T02:00:00+01:00'],
        ['2027-03-28T02:00:00+01:00', '2027-03-28T03:00:00+01:00'],
      ],
    },
    {
      zone: 'Europe/London',
      weekly: everyDay('09:00', '10:00'),
      from: '2027-10-30',
      to: '2027-10-31',
      expected: [
        ['2027-10-30T09:00:00+01:00', '2027-10-30T10:00:00+01:00'],
        ['2027-10-31T09:00:00+00:00', '2027-10-31T10:00:00+00:00'],
      ],
    },
    {
      zone: 'Australia/Lord_Howe',
      weekly: everyDay('01:00', '03:00'),
      slotMinutes: 30,
      from: '2027-10-03',
      to: '2027-10-03',
      expected: [
        ['2027-10-03T01:00:00+10:30', '2027-10-03T01:30:00+10:30'],
        ['2027-10-03T01:30:00+10:30', '2027-10-03T02:30:00+11:00'],
        ['2027-10-03T02:30:00+11:00', '2027-10-03T03:00:00+11:00'],
      ],
    },
    {
      zone: 'Australia/Lord_Howe',
      weekly: everyDay('01:00', '02:30'),
      slotMinutes: 30,
      from: '2027-04-04',
      to: '2027-04-04',
      expected: [
        ['2027-04-04T01:00:00+11:00', '2027-04-04T01:30:00+11:00'],
        ['2027-04-04T01:30:00+11:00', '2027-04-04T01:30:00+10:30'],
        ['2027-04-04T02:00:00+10:30', '2027-04-04T02:30:00+10:30'],
      ],
    },
    {
      zone: 'America/Santiago',
      weekly: everyDay('00:00', '02:00'),
      from: '2027-09-04',
      to: '2027-09-05',
      expected: [
        ['2027-09-04T00:00:00-04:00', '2027-09-04T01:00:00-04:00'],
        ['2027-09-04T01:00:00-04:00', '2027-09-04T02:00:00-04:00'],
        // 5 September starts at 01:00 -03:00: there is no 00:00.
        ['2027-09-05T01:00:00-03:00', '2027-09-05T02:00:00-03:00'],
      ],
    },
    {
      zone: 'America/Santiago',
      weekly: everyDay('23:00', '24:00'),
      slotMinutes: 30,
      from: '2027-04-03',
      to: '2027-04-03',
      expected: [
        ['2027-04-03T23:00:00-03:00', '2027-04-03T23:30:00-03:00'],
        ['2027-04-03T23:30:00-03:00', '2027-04-03T23:00:00-04:00'],
      ],
    },
    {
      // No DST since 2021: the last Sunday of September is an ordinary +13:00 day.
      zone: 'Pacific/Apia',
      weekly: everyDay('02:00', '05:00'),
      from: '2027-09-26',
      to: '2027-09-26',
      expected: [
        ['2027-09-26T02:00:00+13:00', '2027-09-26T03:00:00+13:00'],
        ['2027-09-26T03:00:00+13:00', '2027-09-26T04:00:00+13:00'],
        ['2027-09-26T04:00:00+13:00', '2027-09-26T05:00:00+13:00'],
      ],
    },
    {
      zone: 'Asia/Kolkata',
      weekly: everyDay('09:00', '10:00'),
      slotMinutes: 30,
      from: '2027-03-14',
      to: '2027-03-14',
      expected: [
        ['2027-03-14T09:00:00+05:30', '2027-03-14T09:30:00+05:30'],
        ['2027-03-14T09:30:00+05:30', '2027-03-14T10:00:00+05:30'],
      ],
    },
  ])('$zone $from to $to', async ({ zone, weekly, slotMinutes, from, to, expected }) => {
    const { h, doctor } = await doctorIn(zone, weekly, slotMinutes ? { slotMinutes } : {});
    const result = await availability(t, h.auth, doctor.id, from, to);
    // The hospital's stored zone (the foundation canonicalises it: Node's ICU may say Asia/Calcutta for Asia/Kolkata).
    expect(result.timezone).toBe(h.timezone);
    expect(pairs(result.slots)).toEqual(expected);
  });
});

describe('what availability subtracts', () => {
  it('removes merged time off, live appointments widened by the buffer, and nothing for cancelled ones or other doctors', async () => {
    const zone = 'Asia/Kolkata';
    const { h, doctor } = await doctorIn(zone, [{ day: 'monday', start: '09:00', end: '13:00' }], { slotMinutes: 30, bufferMinutes: 10 });
    const other = await createDoctor(t, h.auth);
    const day = '2027-06-07'; // a Monday
    const at = (time: string) => `${day}T${time}:00+05:30`;
    // Grid every 40 min: 09:00 09:40 10:20 11:00 11:40 12:20 (12:20–12:50 fits before 13:00).
    expect((await availability(t, h.auth, doctor.id, day, day)).slots.map((s) => s.start.slice(11, 16))).toEqual([
      '09:00',
      '09:40',
      '10:20',
      '11:00',
      '11:40',
      '12:20',
    ]);
    const patient = await insertPatientRow(t, h.id);
    // Booked 10:00–10:30 → busy 09:50–10:40: 09:40 and 10:20 go.
    await insertAppointment(t, h.id, { doctorId: doctor.id, patientId: patient, start: at('10:00'), end: at('10:30') });
    // Cancelled and another doctor's appointments change nothing.
    await insertAppointment(t, h.id, { doctorId: doctor.id, start: at('11:00'), end: at('11:30'), status: 'cancelled' });
    await insertAppointment(t, h.id, { doctorId: other.id, start: at('11:40'), end: at('12:10') });
    // Two overlapping time offs 12:00–12:30 and 12:15–12:40 merge into 12:00–12:40: 11:40 and 12:20 go.
    for (const [start, end] of [
      ['12:00', '12:30'],
      ['12:15', '12:40'],
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/doctors/${doctor.id}/time-off`,
        headers: h.auth,
        payload: { start: at(start!), end: at(end!) },
      });
      expect(res.statusCode).toBe(201);
    }
    const result = await availability(t, h.auth, doctor.id, day, day);
    expect(result.slots.map((s) => s.start.slice(11, 16))).toEqual(['09:00', '11:00']);
  });

  it('never offers the past, and keeps the minimum notice', async () => {
    const zone = 'Europe/Berlin';
    const { h, doctor } = await doctorIn(zone, everyDay('00:00', '24:00'), { slotMinutes: 60 });
    const today = Temporal.Now.plainDateISO(zone);
    const before = Date.now();
    const plain = await availability(t, h.auth, doctor.id, today.subtract({ days: 1 }).toString(), today.add({ days: 1 }).toString());
    const after = Date.now();
    const first = Date.parse(plain.slots[0]!.start);
    expect(first).toBeGreaterThanOrEqual(before);
    expect(first).toBeLessThanOrEqual(after + HOUR);
    await settings(h, { minimumNoticeMinutes: 2880 });
    const noticed = await availability(t, h.auth, doctor.id, today.toString(), today.add({ days: 4 }).toString());
    const firstNoticed = Date.parse(noticed.slots[0]!.start);
    expect(firstNoticed).toBeGreaterThanOrEqual(before + 2 * DAY);
    expect(firstNoticed).toBeLessThanOrEqual(Date.now() + 2 * DAY + HOUR);
    // A range entirely in the past is simply empty.
    expect((await availability(t, h.auth, doctor.id, '2020-01-01', '2020-01-31')).slots).toEqual([]);
  });

  it('offers nothing for a deactivated doctor or one without hours', async () => {
    const { h, doctor } = await doctorIn('UTC', everyDay('09:00', '17:00'));
    const idle = await createDoctor(t, h.auth);
    expect((await availability(t, h.auth, idle.id, '2030-01-07', '2030-01-13')).slots).toEqual([]);
    expect((await availability(t, h.auth, doctor.id, '2030-01-07', '2030-01-07')).slots).toHaveLength(8);
    await t.app.inject({ method: 'DELETE', url: `/v1/doctors/${doctor.id}`, headers: h.auth });
    expect((await availability(t, h.auth, doctor.id, '2030-01-07', '2030-01-13')).slots).toEqual([]);
  });

  it('covers up to 31 days inclusive', async () => {
    const { h, doctor } = await doctorIn('UTC', everyDay('09:00', '10:00'));
    const result = await availability(t, h.auth, doctor.id, '2030-01-01', '2030-01-31');
    expect(result.slots).toHaveLength(31);
    expect(result.slots[30]!.start).toBe('2030-01-31T09:00:00+00:00');
  });
});

describe('who may read availability', () => {
  it('is open to staff and doctors of the hospital, closed without a token', async () => {
    const { h, doctor } = await doctorIn('UTC', everyDay('09:00', '10:00'));
    const staff = await addMember(t, h, 'staff');
    const doc = await addMember(t, h, 'doctor');
    for (const auth of [staff.auth, doc.auth]) {
      expect((await availability(t, auth, doctor.id, '2030-01-01', '2030-01-02')).slots).toHaveLength(2);
    }
    const anonymous = await t.app.inject({ method: 'GET', url: `/v1/doctors/${doctor.id}/availability?from=2030-01-01&to=2030-01-02` });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('public availability', () => {
  it('needs no token, stops at the booking horizon, and hides deactivated doctors', async () => {
    const zone = 'America/New_York';
    const { h, doctor } = await doctorIn(zone, everyDay('00:00', '24:00'), { slotMinutes: 60 });
    await settings(h, { bookingHorizonDays: 2 });
    const today = Temporal.Now.plainDateISO(zone);
    const url = `/v1/public/hospitals/${h.subdomain}/doctors/${doctor.id}/availability?from=${today}&to=${today.add({ days: 6 })}`;
    const before = Date.now();
    const res = await t.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    const slots = res.json().data.slots as { start: string }[];
    expect(slots.length).toBeGreaterThan(0);
    const last = Date.parse(slots[slots.length - 1]!.start);
    expect(last).toBeLessThanOrEqual(Date.now() + 2 * DAY);
    expect(last).toBeGreaterThan(before + 2 * DAY - 2 * HOUR);
    // Staff see the whole window.
    const staffView = await availability(t, h.auth, doctor.id, today.toString(), today.add({ days: 6 }).toString());
    expect(Date.parse(staffView.slots[staffView.slots.length - 1]!.start)).toBeGreaterThan(Date.now() + 5 * DAY);
    // Beyond the horizon: empty, not an error.
    const far = await t.app.inject({
      method: 'GET',
      url: `/v1/public/hospitals/${h.subdomain}/doctors/${doctor.id}/availability?from=${today.add({ days: 10 })}&to=${today.add({ days: 12 })}`,
    });
    expect(far.json().data.slots).toEqual([]);

    await t.app.inject({ method: 'DELETE', url: `/v1/doctors/${doctor.id}`, headers: h.auth });
    const gone = await t.app.inject({ method: 'GET', url });
    expect(gone.statusCode).toBe(404);
  });

  it('is 404 for an unknown subdomain or a doctor of another hospital', async () => {
    const { doctor } = await doctorIn('UTC', everyDay('09:00', '10:00'));
    const other = await registerHospital(t);
    const q = '?from=2030-01-01&to=2030-01-02';
    expect((await t.app.inject({ method: 'GET', url: `/v1/public/hospitals/no-such-${Date.now()}/doctors/${doctor.id}/availability${q}` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/v1/public/hospitals/${other.subdomain}/doctors/${doctor.id}/availability${q}` })).statusCode).toBe(404);
  });
});

describe('bad queries are 400 naming the field', () => {
  it.each([
    ['', 'from'],
    ['?from=2030-01-01', 'to'],
    ['?to=2030-01-01', 'from'],
    ['?from=01/02/2030&to=2030-01-03', 'from'],
    ['?from=2030-01-01&to=2030-02-30', 'to'],
    ['?from=2030-01-01T00:00:00Z&to=2030-01-02', 'from'],
    ['?from=2030-01-10&to=2030-01-09', 'to'],
    ['?from=2030-01-01&to=2030-02-01', 'to'],
    ['?from=2030-01-01&to=2030-01-02&tz=UTC', 'tz'],
    ['?from=99999-01-01&to=2030-01-02', 'from'],
  ])('%s', async (query, field) => {
    const { h, doctor } = await doctorIn('UTC', everyDay('09:00', '10:00'));
    for (const url of [`/v1/doctors/${doctor.id}/availability${query}`, `/v1/public/hospitals/${h.subdomain}/doctors/${doctor.id}/availability${query}`]) {
      const res = await t.app.inject({ method: 'GET', url, headers: h.auth });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
      expect(`${res.json().error} ${JSON.stringify(res.json().details)}`).toContain(field);
    }
  });

  it('refuses a malformed doctor id on the public route', async () => {
    const h = await registerHospital(t);
    const res = await t.app.inject({ method: 'GET', url: `/v1/public/hospitals/${h.subdomain}/doctors/123/availability?from=2030-01-01&to=2030-01-02` });
    expect(res.statusCode).toBe(400);
  });
});
