import type { Location, Resource, Schedule, Slot } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { action, bookOk, daysAheadAt } from '../../../test/helpers/appointment-factories.ts';
import { registerHospital, type RegisteredHospital } from '../../../test/helpers/factories.ts';
import { assertValidFhir } from '../../../test/helpers/fhir.ts';
import { createDoctor, createPatient, everyDay, putSchedule } from '../../../test/helpers/scheduling-factories.ts';

let t: TestApp;
let h: RegisteredHospital;
let doctorIds: string[];
let patientId: string;
const BASE = 'https://api.example.test';
const DAY = 86_400_000;

beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'false', PUBLIC_BASE_URL: BASE } });
  h = await registerHospital(t, { timezone: 'America/New_York', phone: '+14155550100', address: '1 Main Street, Springfield' });
  const settings = await t.app.inject({ method: 'PATCH', url: '/v1/hospitals/me/settings', headers: h.auth, payload: { bookingHorizonDays: 10, minimumNoticeMinutes: 120 } });
  expect(settings.statusCode).toBe(200);
  doctorIds = [];
  for (const spec of ['Cardiology', 'Dermatology']) {
    const d = await createDoctor(t, h.auth, { specialization: spec, slotMinutes: 60 });
    await putSchedule(t, h.auth, d.id, { weekly: everyDay('09:00', '13:00'), slotMinutes: 60 });
    doctorIds.push(d.id);
  }
  patientId = (await createPatient(t, h.auth)).id;
});
afterAll(async () => {
  await t.close();
});

const manifestUrl = () => `/v1/public/hospitals/${h.subdomain}/$bulk-publish`;
const local = (url: string) => url.replace(BASE, '');

async function getManifest(headers: Record<string, string> = {}, qs = '') {
  return t.app.inject({ method: 'GET', url: `${manifestUrl()}${qs}`, headers });
}

async function ndjson<R extends Resource>(url: string): Promise<R[]> {
  const res = await t.app.inject({ method: 'GET', url: local(url) });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toContain('application/fhir+ndjson');
  const lines = res.body.split('\n').filter(Boolean);
  const resources = lines.map((line) => JSON.parse(line) as R);
  for (const r of resources) assertValidFhir(r);
  return resources;
}

/** Every slot the public availability lists for a doctor, over the whole horizon (31-day windows). */
async function publicSlots(doctorId: string) {
  const slots: { start: string; end: string }[] = [];
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const res = await t.app.inject({
    method: 'GET',
    url: `/v1/public/hospitals/${h.subdomain}/doctors/${doctorId}/availability?from=${day(Date.now() - DAY)}&to=${day(Date.now() + 12 * DAY)}`,
  });
  expect(res.statusCode).toBe(200);
  slots.push(...(res.json().data.slots as { start: string; end: string }[]));
  return slots.map((s) => ({ doctorId, start: new Date(s.start).toISOString(), end: new Date(s.end).toISOString() }));
}

describe('$bulk-publish', () => {
  it('publishes a manifest whose files are valid FHIR: the Location, one Schedule per doctor and exactly the public free slots', async () => {
    const res = await getManifest();
    expect(res.statusCode).toBe(200);
    const manifest = res.json() as { transactionTime: string; request: string; output: { type: string; url: string }[]; error: unknown[] };
    expect(manifest.request).toBe(`${BASE}${manifestUrl()}`);
    expect(manifest.output.map((o) => o.type)).toEqual(['Location', 'Schedule', 'Slot']);
    expect(manifest.error).toEqual([]);
    expect(Date.parse(manifest.transactionTime)).not.toBeNaN();
    const url = (type: string) => manifest.output.find((o) => o.type === type)!.url;

    const [location] = await ndjson<Location>(url('Location'));
    expect(location).toMatchObject({ resourceType: 'Location', id: h.id, telecom: expect.arrayContaining([{ system: 'phone', value: '+14155550100' }]) });
    expect(JSON.stringify(location)).not.toContain(h.email);

    const schedules = await ndjson<Schedule>(url('Schedule'));
    expect(schedules.map((s) => s.id).sort()).toEqual([...doctorIds].sort());
    for (const s of schedules) expect(s.actor[0]!.reference).toBe(`Location/${h.id}`);

    const slots = await ndjson<Slot>(url('Slot'));
    const expected = (await Promise.all(doctorIds.map(publicSlots))).flat();
    expect(expected.length).toBeGreaterThan(20);
    const key = (s: { doctorId: string; start: string; end: string }) => `${s.doctorId} ${s.start} ${s.end}`;
    const published = slots.map((s) => ({ doctorId: s.schedule.reference!.replace('Schedule/', ''), start: s.start, end: s.end }));
    expect(published.map(key).sort()).toEqual(expected.map(key).sort());
    for (const s of slots) {
      expect(s.status).toBe('free');
      const link = new URL(s.extension!.find((e) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link')!.valueUrl!);
      expect(`${link.origin}${link.pathname}`).toBe(`${BASE}/book/${h.subdomain}`);
      expect(link.searchParams.get('start')).toBe(s.start);
      expect(link.searchParams.get('doctor')).toBe(s.schedule.reference!.replace('Schedule/', ''));
    }
  });

  it('answers 304 to If-None-Match while nothing changed, and a booking changes the ETag and the slots at once', async () => {
    const first = await getManifest();
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"/);
    const again = await getManifest({ 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const slotUrl = `${manifestUrl()}/Slot.ndjson`;
    const slotsBefore = await t.app.inject({ method: 'GET', url: slotUrl });
    const slotEtag = String(slotsBefore.headers.etag);
    expect((await t.app.inject({ method: 'GET', url: slotUrl, headers: { 'if-none-match': `W/${slotEtag}, "other"` } })).statusCode).toBe(304);

    const offered = slotsBefore.body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Slot);
    const target = offered[offered.length - 1]!;
    const doctorId = target.schedule.reference!.replace('Schedule/', '');
    const booked = await bookOk(t, h.auth, { doctorId, patientId, start: target.start });

    const changed = await getManifest({ 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    const after = await t.app.inject({ method: 'GET', url: slotUrl, headers: { 'if-none-match': slotEtag } });
    expect(after.statusCode).toBe(200);
    expect(after.body).not.toContain(target.id!);

    expect((await action(t, h.auth, booked.id, 'cancel')).statusCode).toBe(200);
    const reopened = await t.app.inject({ method: 'GET', url: slotUrl });
    expect(reopened.body).toContain(target.id!);

    // Time off is a change a directory sees too: the slot leaves the file at once.
    const off = await t.app.inject({
      method: 'POST',
      url: `/v1/doctors/${doctorId}/time-off`,
      headers: h.auth,
      payload: { start: target.start, end: target.end },
    });
    expect(off.statusCode).toBe(201);
    expect((await t.app.inject({ method: 'GET', url: slotUrl })).body).not.toContain(target.id!);
  });

  it('a series booked and cancelled changes the published slots at once', async () => {
    const slotUrl = `${manifestUrl()}/Slot.ndjson`;
    const offered = (await t.app.inject({ method: 'GET', url: slotUrl })).body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Slot);
    const at = (slot: Slot) => `${slot.schedule.reference}@${new Date(slot.start).getTime()}`;
    const byKey = new Map(offered.map((slot) => [at(slot), slot]));
    // Two free slots of one doctor a day apart (the same wall-clock hour: the hospital's zone keeps it).
    const first = offered.find((slot) => byKey.has(`${slot.schedule.reference}@${new Date(slot.start).getTime() + DAY}`))!;
    const second = byKey.get(`${first.schedule.reference}@${new Date(first.start).getTime() + DAY}`)!;
    const doctorId = first.schedule.reference!.replace('Schedule/', '');
    const series = await t.app.inject({
      method: 'POST',
      url: '/v1/appointment-series',
      headers: h.auth,
      payload: { doctorId, patientId, start: first.start, recurrence: { frequency: 'daily', count: 2 } },
    });
    expect(series.statusCode).toBe(201);
    const booked = (await t.app.inject({ method: 'GET', url: slotUrl })).body;
    expect(booked).not.toContain(first.id!);
    expect(booked).not.toContain(second.id!);
    const cancel = await t.app.inject({ method: 'POST', url: `/v1/appointment-series/${series.json().data.id}/cancel`, headers: h.auth });
    expect(cancel.statusCode).toBe(200);
    const reopened = (await t.app.inject({ method: 'GET', url: slotUrl })).body;
    expect(reopened).toContain(first.id!);
    expect(reopened).toContain(second.id!);
  });

  it('lists no files for _since at or after the transactionTime, and 404s an unknown hospital', async () => {
    const { transactionTime } = (await getManifest()).json() as { transactionTime: string };
    const since = await getManifest({}, `?_since=${encodeURIComponent(transactionTime)}`);
    expect(since.json().output).toEqual([]);
    const older = await getManifest({}, `?_since=${encodeURIComponent(new Date(Date.parse(transactionTime) - 60_000).toISOString())}`);
    expect(older.json().output).toHaveLength(3);
    const missing = await t.app.inject({ method: 'GET', url: '/v1/public/hospitals/no-such-hospital-here/$bulk-publish' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NOT_FOUND');
    expect((await getManifest({}, '?_since=yesterday')).statusCode).toBe(400);
  });
});
