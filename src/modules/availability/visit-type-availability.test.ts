import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { addDoctor, addPatient, appointmentTestEnv, book, daysAheadAt } from '../../../test/helpers/appointment-factories.ts';
import { registerHospital } from '../../../test/helpers/factories.ts';
import { availability, everyDay } from '../../../test/helpers/scheduling-factories.ts';
import { addResourceTimeOff, createClosure, createResource, createVisitType, visitTypeSlots } from '../../../test/helpers/visit-factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: appointmentTestEnv });
});
afterAll(async () => {
  await t.close();
});

const day = daysAheadAt(10, 0).toISOString().slice(0, 10);
const at = (hhmm: string) => `${day}T${hhmm}:00+00:00`;

/** A UTC hospital, doctors working 09:00–11:00 every day, and a visit type they offer. */
async function clinic(type: { durationMinutes: number; requires?: string[]; bufferAfterMinutes?: number; bufferBeforeMinutes?: number; bookableOnline?: boolean }, doctors = 2) {
  const h = await registerHospital(t, { timezone: 'UTC' });
  const doctorIds: string[] = [];
  for (let i = 0; i < doctors; i++) doctorIds.push(await addDoctor(t, h.auth, everyDay('09:00', '11:00')));
  const vt = await createVisitType(t, h.auth, { ...type, doctorIds });
  return { h, doctorIds: [...doctorIds].sort(), vt };
}

describe('availability by visit type', () => {
  it('offers the type across its doctors with its length and buffers, and only while the MRI is free', async () => {
    const { h, doctorIds, vt } = await clinic({ durationMinutes: 45, bufferAfterMinutes: 10, requires: ['mri'] });
    await createResource(t, h.auth, { name: 'MRI', kind: 'mri' });
    const [a, b] = doctorIds as [string, string];
    const before = await visitTypeSlots(t, h.auth, vt.id, day, day);
    expect(before).toMatchObject({ visitTypeId: vt.id, timezone: 'UTC', durationMinutes: 45 });
    // 45 + 10 minutes per step: 09:00 and 09:55 (ends 10:40); 10:50 would end after 11:00.
    expect(before.slots).toEqual([
      { start: at('09:00'), end: at('09:45'), doctorId: a },
      { start: at('09:00'), end: at('09:45'), doctorId: b },
      { start: at('09:55'), end: at('10:40'), doctorId: a },
      { start: at('09:55'), end: at('10:40'), doctorId: b },
    ]);
    const patient = await addPatient(t, h.auth);
    expect((await book(t, h.auth, { doctorId: a, patientId: patient, start: at('09:00'), visitTypeId: vt.id })).statusCode).toBe(201);
    // The only MRI is held 09:00–09:55: no doctor can offer 09:00; 09:55 is still free for both.
    const after = await visitTypeSlots(t, h.auth, vt.id, day, day);
    expect(after.slots.map((s) => [s.start.slice(11, 16), s.doctorId])).toEqual([
      ['09:55', a],
      ['09:55', b],
    ]);
    // The same per doctor.
    const perDoctor = await t.app.inject({ method: 'GET', url: `/v1/doctors/${b}/availability?from=${day}&to=${day}&visitTypeId=${vt.id}`, headers: h.auth });
    expect(perDoctor.json().data).toMatchObject({ doctorId: b, visitTypeId: vt.id, slotMinutes: 45, slots: [{ start: at('09:55'), end: at('10:40') }] });
  });

  it('offers nothing while one of the two exam rooms a type needs is on time off', async () => {
    const { h, doctorIds, vt } = await clinic({ durationMinutes: 60, requires: ['exam-room', 'exam-room'] }, 1);
    await createResource(t, h.auth, { name: 'Room 1', kind: 'exam-room' });
    const room2 = await createResource(t, h.auth, { name: 'Room 2', kind: 'exam-room' });
    expect((await visitTypeSlots(t, h.auth, vt.id, day, day)).slots.map((s) => s.start)).toEqual([at('09:00'), at('10:00')]);
    await addResourceTimeOff(t, h.auth, room2.id, { start: at('09:30'), end: at('10:30'), reason: 'Cleaning' });
    expect((await visitTypeSlots(t, h.auth, vt.id, day, day)).slots).toEqual([]);
    const patient = await addPatient(t, h.auth);
    const refused = await book(t, h.auth, { doctorId: doctorIds[0]!, patientId: patient, start: at('09:00'), visitTypeId: vt.id });
    expect(refused.json()).toMatchObject({ code: 'RESOURCE_UNAVAILABLE', details: { kind: 'exam-room' } });
  });

  it('removes closed hours for every doctor, with or without a visit type', async () => {
    const { h, doctorIds, vt } = await clinic({ durationMinutes: 60 });
    await createClosure(t, h.auth, { start: at('10:00'), end: at('11:00'), reason: 'Fire drill' });
    expect((await visitTypeSlots(t, h.auth, vt.id, day, day)).slots.map((s) => s.start)).toEqual([at('09:00'), at('09:00')]);
    for (const doctorId of doctorIds) {
      // The doctors' own 30-minute slots: 10:00 and 10:30 are gone.
      expect((await availability(t, h.auth, doctorId, day, day)).slots.map((s: { start: string }) => s.start)).toEqual([at('09:00'), at('09:30')]);
    }
  });

  it('answers 422 for a doctor who does not offer the type and 404 for an unknown type', async () => {
    const { h, vt } = await clinic({ durationMinutes: 30 }, 1);
    const outsider = await addDoctor(t, h.auth, everyDay('09:00', '11:00'));
    const res = await t.app.inject({ method: 'GET', url: `/v1/doctors/${outsider}/availability?from=${day}&to=${day}&visitTypeId=${vt.id}`, headers: h.auth });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('VISIT_TYPE_NOT_OFFERED');
    const other = await clinic({ durationMinutes: 30 }, 1);
    expect((await t.app.inject({ method: 'GET', url: `/v1/visit-types/${other.vt.id}/availability?from=${day}&to=${day}`, headers: h.auth })).statusCode).toBe(404);
  });

  it('has a public twin for bookable-online types only', async () => {
    const { h, vt } = await clinic({ durationMinutes: 60 }, 1);
    const internal = await createVisitType(t, h.auth, { durationMinutes: 30, doctorIds: vt.doctorIds, bookableOnline: false });
    const url = (id: string) => `/v1/public/hospitals/${h.subdomain}/visit-types/${id}/availability?from=${day}&to=${day}`;
    const open = await t.app.inject({ method: 'GET', url: url(vt.id) });
    expect(open.statusCode).toBe(200);
    expect(open.json().data.slots.map((s: { start: string }) => s.start)).toEqual([at('09:00'), at('10:00')]);
    expect((await t.app.inject({ method: 'GET', url: url(internal.id) })).statusCode).toBe(404);
  });
});

// The headers every availability answer carried when it was sent as a string (captured before the answers became Buffers), in order; `cache-control: no-store` on the staff routes only.
const WIRE_HEADERS = (staff: boolean) => [
  'x-request-id', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'origin-agent-cluster', 'referrer-policy', 'strict-transport-security',
  'x-content-type-options', 'x-dns-prefetch-control', 'x-download-options', 'x-frame-options', 'x-permitted-cross-domain-policies', 'x-xss-protection', 'vary',
  ...(staff ? ['cache-control'] : []), 'content-type', 'content-length', 'date', 'connection',
];

describe('the availability answers on the wire', () => {
  it('keep the headers, the content type and an exact length, and send the text JSON.stringify would', async () => {
    const { h, doctorIds, vt } = await clinic({ durationMinutes: 30, requires: ['mri'] }, 2);
    await createResource(t, h.auth, { name: 'MRI \u00e9 "quoted"', kind: 'mri' });
    const q = `?from=${day}&to=${day}`;
    const pub = `/v1/public/hospitals/${h.subdomain}`;
    for (const [url, staff] of [
      [`/v1/doctors/${doctorIds[0]}/availability${q}`, true],
      [`/v1/doctors/${doctorIds[0]}/availability${q}&visitTypeId=${vt.id}`, true],
      [`/v1/visit-types/${vt.id}/availability${q}`, true],
      [`${pub}/doctors/${doctorIds[0]}/availability${q}`, false],
      [`${pub}/visit-types/${vt.id}/availability${q}`, false],
    ] as const) {
      const res = await t.app.inject({ method: 'GET', url, headers: staff ? h.auth : {} });
      expect(res.statusCode).toBe(200);
      expect(Object.keys(res.headers)).toEqual(WIRE_HEADERS(staff));
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['content-length']).toBe(String(res.rawPayload.length));
      expect(res.headers['cache-control']).toBe(staff ? 'no-store' : undefined);
      expect(res.body).toBe(JSON.stringify(res.json()));
      expect(res.json().data.slots.length).toBeGreaterThan(0);
    }
  });
});
