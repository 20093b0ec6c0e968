import type { Appointment, Bundle, CapabilityStatement, OperationOutcome, Patient, Practitioner, Slot } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { action, bookOk, daysAheadAt } from '../../../test/helpers/appointment-factories.ts';
import { registerHospital, type RegisteredHospital } from '../../../test/helpers/factories.ts';
import { allPages, fhirGet } from '../../../test/helpers/fhir.ts';
import { addMember, newUser } from '../../../test/helpers/member-factories.ts';
import { availability, createDoctor, createPatient, everyDay, putSchedule } from '../../../test/helpers/scheduling-factories.ts';

let t: TestApp;
let h: RegisteredHospital;
let other: RegisteredHospital;
let doctors: { id: string; name: string }[];
let patients: { id: string; name: string }[];
let otherDoctorId: string;
let otherPatientId: string;

const DAY = 86_400_000;

beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'false', PUBLIC_BASE_URL: 'https://api.example.test' } });
  h = await registerHospital(t, { timezone: 'UTC', phone: '+14155550100', address: '1 Main Street, Springfield' });
  other = await registerHospital(t);
  doctors = [];
  for (const [i, spec] of ['Cardiology', 'Dermatology', 'Neurology'].entries()) {
    const d = await createDoctor(t, h.auth, { name: `Dr ${String.fromCharCode(65 + i)}`, specialization: spec, phone: '+14155550111', slotMinutes: 60 });
    await putSchedule(t, h.auth, d.id, { weekly: everyDay('09:00', '12:00'), slotMinutes: 60 });
    doctors.push(d);
  }
  patients = [];
  for (let i = 0; i < 5; i++) patients.push(await createPatient(t, h.auth, { name: `Patient ${i}`, email: `p${i}@example.test`, dateOfBirth: '1980-02-0' + (i + 1) }));
  otherDoctorId = (await createDoctor(t, other.auth)).id;
  otherPatientId = (await createPatient(t, other.auth)).id;
});
afterAll(async () => {
  await t.close();
});

describe('CapabilityStatement', () => {
  it('is public, valid FHIR and lists every type with read and search', async () => {
    const { status, type, body } = await fhirGet<CapabilityStatement>(t, null, '/fhir/R4/metadata');
    expect(status).toBe(200);
    expect(type).toContain('application/fhir+json');
    expect(body.fhirVersion).toBe('4.0.1');
    const resources = body.rest![0]!.resource!;
    expect(resources.map((r) => r.type).sort()).toEqual(['Appointment', 'HealthcareService', 'Location', 'Patient', 'Practitioner', 'Schedule', 'Slot']);
    const slot = resources.find((r) => r.type === 'Slot')!;
    expect(slot.searchParam!.map((p) => p.name)).toEqual(expect.arrayContaining(['schedule', 'start', 'status', '_count']));
  });
});

describe('reads', () => {
  it('returns valid Practitioner, Schedule, Patient and Location resources', async () => {
    const d = doctors[0]!;
    const p = await fhirGet<Practitioner>(t, h.auth, `/fhir/R4/Practitioner/${d.id}`);
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ resourceType: 'Practitioner', id: d.id, active: true, name: [{ text: d.name }] });
    const s = await fhirGet(t, h.auth, `/fhir/R4/Schedule/${d.id}`);
    expect(s.body).toMatchObject({ resourceType: 'Schedule', actor: [{ reference: `Location/${h.id}` }, { reference: `Practitioner/${d.id}` }] });
    const pt = await fhirGet<Patient>(t, h.auth, `/fhir/R4/Patient/${patients[0]!.id}`);
    expect(pt.body).toMatchObject({ resourceType: 'Patient', birthDate: '1980-02-01', name: [{ text: 'Patient 0' }] });
    const l = await fhirGet(t, h.auth, `/fhir/R4/Location/${h.id}`);
    expect(l.body).toMatchObject({ resourceType: 'Location', id: h.id, address: { text: '1 Main Street, Springfield' } });
  });

  it("answers another hospital's ids, unknown ids and malformed ids with a 404 OperationOutcome", async () => {
    for (const url of [
      `/fhir/R4/Practitioner/${otherDoctorId}`,
      `/fhir/R4/Schedule/${otherDoctorId}`,
      `/fhir/R4/Patient/${otherPatientId}`,
      `/fhir/R4/Location/${other.id}`,
      `/fhir/R4/Slot/${otherDoctorId}.${Math.floor(daysAheadAt(2, 9).getTime() / 1000)}`,
      '/fhir/R4/Patient/not-a-uuid',
      '/fhir/R4/Nothing/1',
    ]) {
      const res = await fhirGet<OperationOutcome>(t, h.auth, url);
      expect(res.status, url).toBe(404);
      expect(res.type).toContain('application/fhir+json');
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0]!.code).toBe('not-found');
    }
  });

  it('answers 401 without a token and 400 for unknown or malformed search parameters, as OperationOutcome', async () => {
    const anon = await fhirGet<OperationOutcome>(t, null, '/fhir/R4/Patient');
    expect(anon.status).toBe(401);
    expect(anon.headers['www-authenticate']).toContain('Bearer');
    expect(anon.body.issue[0]!.code).toBe('login');
    for (const url of ['/fhir/R4/Patient?colour=blue', '/fhir/R4/Slot?start=tomorrow', '/fhir/R4/Slot?status=maybe', '/fhir/R4/Appointment?patient=Device/1', '/fhir/R4/Slot?start=ge2030-01-01&start=lt2030-03-01']) {
      const res = await fhirGet<OperationOutcome>(t, h.auth, url);
      expect(res.status, url).toBe(400);
      expect(res.body.issue[0]!.details!.coding![0]!.code).toBe('VALIDATION_ERROR');
    }
  });
});

describe('searches', () => {
  it('pages Practitioners and Patients with _count, visiting each once, with the total', async () => {
    const practitioners = await allPages<Practitioner>(t, h.auth, '/fhir/R4/Practitioner?_count=2');
    expect(practitioners.pages).toBe(2);
    expect(practitioners.total).toBe(3);
    expect(practitioners.resources.map((r) => r.id).sort()).toEqual(doctors.map((d) => d.id).sort());
    const all = await allPages<Patient>(t, h.auth, '/fhir/R4/Patient?_count=2');
    expect(all.pages).toBe(3);
    expect(all.resources.map((r) => r.id).sort()).toEqual(patients.map((p) => p.id).sort());
    const named = await allPages<Patient>(t, h.auth, '/fhir/R4/Patient?name=patient%203');
    expect(named.resources.map((r) => r.id)).toEqual([patients[3]!.id]);
  });

  it('searches by _id, finding ours and none of another hospital\'s', async () => {
    const ids = `${patients[0]!.id},${otherPatientId},${patients[1]!.id}`;
    const found = await allPages<Patient>(t, h.auth, `/fhir/R4/Patient?_id=${ids}`);
    expect(found.resources.map((p) => p.id).sort()).toEqual([patients[0]!.id, patients[1]!.id].sort());
    const schedules = await allPages(t, h.auth, `/fhir/R4/Schedule?actor=Practitioner/${doctors[2]!.id}`);
    expect(schedules.resources.map((r) => r.id)).toEqual([doctors[2]!.id]);
    const location = await allPages(t, h.auth, `/fhir/R4/Location?_id=${other.id}`);
    expect(location.resources).toEqual([]);
  });

  it('builds self and next links on PUBLIC_BASE_URL', async () => {
    const { body } = await fhirGet<Bundle>(t, h.auth, '/fhir/R4/Schedule?_count=1');
    expect(body.type).toBe('searchset');
    expect(body.link!.find((l) => l.relation === 'self')!.url).toBe('https://api.example.test/fhir/R4/Schedule?_count=1');
    expect(body.link!.find((l) => l.relation === 'next')!.url).toMatch(/^https:\/\/api\.example\.test\/fhir\/R4\/Schedule\?_count=1&_cursor=/);
    expect(body.entry![0]!.fullUrl).toMatch(/^https:\/\/api\.example\.test\/fhir\/R4\/Schedule\//);
  });

  it('lists exactly the free slots availability lists, and the booked ones as busy', async () => {
    const d = doctors[1]!;
    const booked = await bookOk(t, h.auth, { doctorId: d.id, patientId: patients[0]!.id, start: daysAheadAt(3, 9).toISOString() });
    const from = daysAheadAt(2, 0);
    const to = new Date(from.getTime() + 4 * DAY);
    const qs = `schedule=Schedule/${d.id}&start=ge${from.toISOString()}&start=lt${to.toISOString()}`;
    const free = await allPages<Slot>(t, h.auth, `/fhir/R4/Slot?${qs}&status=free&_count=4`);
    const dates = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const listed = (await availability(t, h.auth, d.id, dates(from.getTime() - DAY), dates(to.getTime() + DAY))).slots as { start: string; end: string }[];
    const expected = listed.filter((s) => Date.parse(s.start) >= from.getTime() && Date.parse(s.start) < to.getTime());
    expect(expected.length).toBeGreaterThan(4);
    expect(free.resources.map((s) => [s.start, s.end])).toEqual(expected.map((s) => [new Date(s.start).toISOString(), new Date(s.end).toISOString()]));
    expect(free.total).toBe(expected.length);
    const busy = await allPages<Slot>(t, h.auth, `/fhir/R4/Slot?${qs}&status=busy`);
    expect(busy.resources.map((s) => [s.status, s.start])).toEqual([['busy', new Date(booked.start).toISOString()]]);
    // Read by id: the busy one and a free one.
    const read = await fhirGet<Slot>(t, h.auth, `/fhir/R4/Slot/${busy.resources[0]!.id}`);
    expect(read.body.status).toBe('busy');
    const freeRead = await fhirGet<Slot>(t, h.auth, `/fhir/R4/Slot/${free.resources[0]!.id}`);
    expect(freeRead.body).toMatchObject({ status: 'free', start: free.resources[0]!.start });
  });

  it('finds appointments by date, patient, practitioner, actor and status', async () => {
    const d = doctors[2]!;
    const a1 = await bookOk(t, h.auth, { doctorId: d.id, patientId: patients[1]!.id, start: daysAheadAt(5, 9).toISOString(), reason: 'Check-up' });
    const a2 = await bookOk(t, h.auth, { doctorId: d.id, patientId: patients[2]!.id, start: daysAheadAt(6, 10).toISOString() });
    const a3 = await bookOk(t, h.auth, { doctorId: d.id, patientId: patients[1]!.id, start: daysAheadAt(7, 11).toISOString() });
    expect((await action(t, h.auth, a3.id, 'cancel', { reason: 'Travel' })).statusCode).toBe(200);
    const ids = async (qs: string) => (await allPages<Appointment>(t, h.auth, `/fhir/R4/Appointment?${qs}&_count=1`)).resources.map((a) => a.id);
    expect(await ids(`practitioner=Practitioner/${d.id}`)).toEqual([a1.id, a2.id, a3.id]);
    expect(await ids(`patient=Patient/${patients[1]!.id}`)).toEqual([a1.id, a3.id]);
    expect(await ids(`actor=Patient/${patients[2]!.id}`)).toEqual([a2.id]);
    expect(await ids(`actor=Practitioner/${d.id}&status=cancelled`)).toEqual([a3.id]);
    expect(await ids(`practitioner=${d.id}&status=booked,cancelled&date=ge${daysAheadAt(6, 0).toISOString()}`)).toEqual([a2.id, a3.id]);
    expect(await ids(`practitioner=${d.id}&date=${daysAheadAt(5, 0).toISOString().slice(0, 10)}`)).toEqual([a1.id]);
    const one = await fhirGet<Appointment>(t, h.auth, `/fhir/R4/Appointment/${a3.id}`);
    expect(one.body).toMatchObject({ status: 'cancelled', cancelationReason: { text: 'Travel' } });
    expect(one.body.participant.map((p) => p.actor?.reference)).toEqual([`Patient/${patients[1]!.id}`, `Practitioner/${d.id}`]);
  });
});

describe('roles and tenancy', () => {
  it("a doctor member reads only their own appointments; staff read patients; another hospital's search finds none of ours", async () => {
    const d = doctors[0]!;
    const mine = await bookOk(t, h.auth, { doctorId: d.id, patientId: patients[3]!.id, start: daysAheadAt(8, 9).toISOString() });
    const theirs = await bookOk(t, h.auth, { doctorId: doctors[1]!.id, patientId: patients[3]!.id, start: daysAheadAt(8, 10).toISOString() });
    const doctor = await addMember(t, h, 'doctor', { doctorId: d.id });
    const seen = await allPages<Appointment>(t, doctor.auth, `/fhir/R4/Appointment?patient=${patients[3]!.id}`);
    expect(seen.resources.map((a) => a.id)).toEqual([mine.id]);
    expect((await fhirGet(t, doctor.auth, `/fhir/R4/Appointment/${theirs.id}`)).status).toBe(404);
    const staff = await addMember(t, h, 'staff');
    expect((await fhirGet(t, staff.auth, `/fhir/R4/Patient/${patients[0]!.id}`)).status).toBe(200);
    const foreign = await allPages<Appointment>(t, other.auth, `/fhir/R4/Appointment?patient=${patients[3]!.id}`);
    expect(foreign.resources).toEqual([]);
    const foreignSlots = await fhirGet<Bundle>(t, other.auth, `/fhir/R4/Slot?schedule=Schedule/${d.id}`);
    expect(foreignSlots.body.total).toBe(0);
  });
});

describe('refusals as OperationOutcome', () => {
  it('403 for a signed-in user without a hospital', async () => {
    const outsider = await newUser(t, 'outsider');
    const res = await fhirGet<OperationOutcome>(t, outsider.auth, '/fhir/R4/Practitioner');
    expect(res.status).toBe(403);
    expect(res.body.issue[0]).toMatchObject({ code: 'forbidden', details: { coding: [{ code: 'FORBIDDEN' }] } });
  });

  it('429 with Retry-After past the rate limit', async () => {
    const limited = await createTestApp({ env: { RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_SECONDS: '60' } });
    try {
      const owner = await registerHospital(limited);
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof fhirGet<OperationOutcome>>> | undefined;
      for (let i = 0; i < 3; i++) {
        last = await fhirGet<OperationOutcome>(limited, owner.auth, '/fhir/R4/Location');
        statuses.push(last.status);
      }
      expect(statuses.slice(-1)).toEqual([429]);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      expect(last!.body.issue[0]).toMatchObject({ code: 'throttled', details: { coding: [{ code: 'RATE_LIMITED' }] } });
    } finally {
      await limited.close();
    }
  });
});
