import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { action, bookingFixture, bookOk, daysAheadAt, type BookingFixture } from '../../../test/helpers/appointment-factories.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { parseFeed } from '../../../test/helpers/ical.ts';
import { registerHospital } from '../../../test/helpers/factories.ts';
import { addMember, insertDoctors } from '../../../test/helpers/member-factories.ts';
import { insertAppointment } from '../../../test/helpers/scheduling-factories.ts';
import { feedSummary, initials } from './calendar-feeds.service.ts';

const BASE = 'https://tempus.example.test';
let t: TestApp;
let world: BookingFixture;
const logs: string[] = [];

beforeAll(async () => {
  t = await createTestApp({
    env: { PUBLIC_BASE_URL: BASE, LOG_LEVEL: 'info', RATE_LIMIT_ENABLED: 'false' },
    logDestination: { write: (line: string) => void logs.push(line) },
  });
  world = await bookingFixture(t, { patient: { name: 'maria del Carmen Rossi', email: 'maria.rossi@mail.example' } });
});
afterAll(async () => {
  await t?.close();
});

async function newFeed(auth: { authorization: string } = world.auth, doctorId = world.doctorId) {
  const res = await t.app.inject({ method: 'POST', url: `/v1/doctors/${doctorId}/calendar-feed`, headers: auth });
  expect(res.statusCode, res.body).toBe(201);
  const url = res.json().data.url as string;
  expect(url).toMatch(new RegExp(`^${BASE}/calendar/[A-Za-z0-9_-]{43}\\.ics$`));
  return url.slice(BASE.length);
}

const getFeed = (path: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url: path, headers });

describe('calendar feed', () => {
  it('lists the doctor’s appointments with patient initials only, and moves and drops them as they change', async () => {
    const path = await newFeed();
    const kept = await bookOk(t, world.auth, { doctorId: world.doctorId, patientId: world.patientId, start: daysAheadAt(3, 9).toISOString() });
    const moved = await bookOk(t, world.auth, { doctorId: world.doctorId, patientId: world.patientId, start: daysAheadAt(4, 9).toISOString() });
    const cancelled = await bookOk(t, world.auth, { doctorId: world.doctorId, patientId: world.patientId, start: daysAheadAt(5, 9).toISOString() });
    const recent = await insertAppointment(t, world.hospital.id, { doctorId: world.doctorId, patientId: world.patientId, start: daysAheadAt(-10, 9), end: daysAheadAt(-10, 10), status: 'completed' });
    const old = await insertAppointment(t, world.hospital.id, { doctorId: world.doctorId, patientId: world.patientId, start: daysAheadAt(-40, 9), end: daysAheadAt(-40, 10), status: 'completed' });

    const first = await getFeed(path);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers['content-type']).toMatch(/^text\/calendar/);
    const before = parseFeed(first.body);
    expect(before.method).toBe('PUBLISH');
    const uids = before.events.map((e) => e.uid);
    for (const id of [kept.id, moved.id, cancelled.id, recent]) expect(uids).toContain(`${id}@tempus`);
    expect(uids).not.toContain(`${old}@tempus`);
    for (const e of before.events) {
      expect(e.summary).toBe('Appointment (M. D. C. R.)');
      expect(e.attendees).toBe(0);
    }
    expect(first.body).not.toMatch(/Rossi|maria|Carmen|mail\.example/i);
    const movedBefore = before.events.find((e) => e.uid === `${moved.id}@tempus`)!;

    expect((await action(t, world.auth, cancelled.id, 'cancel')).statusCode).toBe(200);
    const newStart = daysAheadAt(6, 11).toISOString();
    expect((await action(t, world.auth, moved.id, 'reschedule', { start: newStart })).statusCode).toBe(200);
    const after = parseFeed((await getFeed(path)).body);
    expect(after.events.map((e) => e.uid)).not.toContain(`${cancelled.id}@tempus`);
    const movedAfter = after.events.find((e) => e.uid === `${moved.id}@tempus`)!;
    expect(movedAfter.start).toBe(newStart);
    expect(movedAfter.sequence).toBeGreaterThan(movedBefore.sequence);
  });

  it('answers 304 to If-None-Match with the current ETag, and 200 once the calendar changed', async () => {
    const path = await newFeed();
    const first = await getFeed(path);
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[^"]+"$/);
    const again = await getFeed(path, { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    await bookOk(t, world.auth, { doctorId: world.doctorId, patientId: world.patientId, start: daysAheadAt(8, 9).toISOString() });
    const changed = await getFeed(path, { 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('revokes the old address when a new one is made; unknown and malformed addresses are 404', async () => {
    const old = await newFeed();
    const fresh = await newFeed();
    expect((await getFeed(old)).statusCode).toBe(404);
    expect((await getFeed(fresh)).statusCode).toBe(200);
    for (const path of [`/calendar/${'A'.repeat(43)}.ics`, '/calendar/short.ics', `/calendar/${fresh.split('/').pop()!.replace('.ics', '')}`]) {
      const res = await getFeed(path);
      expect(res.statusCode, path).toBe(404);
      expect(res.json()).toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('lets owners and admins make any doctor’s feed, a doctor only their own', async () => {
    const [otherDoctor] = await insertDoctors(t, world.hospital.id, 1);
    const doctor = await addMember(t, world.hospital, 'doctor', { doctorId: world.doctorId });
    const admin = await addMember(t, world.hospital, 'admin');
    const staff = await addMember(t, world.hospital, 'staff');
    await newFeed(doctor.auth, world.doctorId);
    await newFeed(admin.auth, otherDoctor!);
    const refused = await t.app.inject({ method: 'POST', url: `/v1/doctors/${otherDoctor}/calendar-feed`, headers: doctor.auth });
    expect(refused.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: `/v1/doctors/${world.doctorId}/calendar-feed`, headers: staff.auth })).statusCode).toBe(403);
    const missing = await t.app.inject({ method: 'POST', url: `/v1/doctors/${crypto.randomUUID()}/calendar-feed`, headers: world.auth });
    expect(missing.statusCode).toBe(404);
  });

  it('keeps the secret address out of the logs', async () => {
    const path = await newFeed();
    const token = path.split('/').pop()!.replace('.ics', '');
    logs.length = 0;
    expect((await getFeed(path)).statusCode).toBe(200);
    expect((await getFeed(`/calendar/${'B'.repeat(43)}.ics`)).statusCode).toBe(404);
    const text = logs.join('');
    expect(text).toContain('/calendar/[redacted]');
    expect(text).not.toContain(token);
    expect(text).not.toContain('B'.repeat(43));
  });

  it('is rate limited per IP like the other public routes', async () => {
    const limited = await createTestApp({ env: { PUBLIC_BASE_URL: BASE, RATE_LIMIT_PUBLIC_MAX: '2' } });
    try {
      const hospital = await registerHospital(limited, { timezone: 'UTC' });
      const [doctorId] = await insertDoctors(limited, hospital.id, 1);
      const created = await limited.app.inject({ method: 'POST', url: `/v1/doctors/${doctorId}/calendar-feed`, headers: hospital.auth });
      const path = (created.json().data.url as string).slice(BASE.length);
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await limited.app.inject({ method: 'GET', url: path })).statusCode);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await limited.close();
    }
  });

  it('summarises with the visit type when there is one, else "Appointment"', () => {
    expect(initials('  ada   lovelace ')).toBe('A. L.');
    expect(initials('Émile Zola')).toBe('É. Z.');
    expect(feedSummary({ visitTypeName: 'Follow-up', patientName: 'Ada Lovelace' })).toBe('Follow-up (A. L.)');
    expect(feedSummary({ visitTypeName: null, patientName: 'Ada Lovelace' })).toBe('Appointment (A. L.)');
  });
});
