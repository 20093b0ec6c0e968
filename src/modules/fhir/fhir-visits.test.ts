import type { Appointment, Bundle, HealthcareService, OperationOutcome, Resource, Schedule } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { addDoctor, book, daysAheadAt } from '../../../test/helpers/appointment-factories.ts';
import { registerHospital, type RegisteredHospital } from '../../../test/helpers/factories.ts';
import { allPages, assertValidFhir, fhirGet } from '../../../test/helpers/fhir.ts';
import { createPatient } from '../../../test/helpers/scheduling-factories.ts';
import { createResource, createVisitType, type TestResource, type TestVisitType } from '../../../test/helpers/visit-factories.ts';
import { VISIT_EXTENSION, VISIT_TYPE_SYSTEM } from './mapping/healthcare-service.ts';
import { RESOURCE_SYSTEM } from './mapping/appointment.ts';

/** Visit types as HealthcareService, their rooms and devices as Appointment participants, and the published Schedules' service types. */

let t: TestApp;
let h: RegisteredHospital;
let other: RegisteredHospital;
let doctorA: string;
let doctorB: string;
let patientId: string;
let room: TestResource;
let mri: TestResource;
let scan: TestVisitType;
let checkup: TestVisitType;
let phoneCall: TestVisitType;
let otherVisitType: TestVisitType;

beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'false', PUBLIC_BASE_URL: 'https://api.example.test' } });
  h = await registerHospital(t, { timezone: 'UTC' });
  other = await registerHospital(t);
  doctorA = await addDoctor(t, h.auth);
  doctorB = await addDoctor(t, h.auth);
  patientId = (await createPatient(t, h.auth)).id;
  room = await createResource(t, h.auth, { name: 'Room 1', kind: 'exam-room' });
  mri = await createResource(t, h.auth, { name: 'MRI 1', kind: 'mri' });
  scan = await createVisitType(t, h.auth, { name: 'MRI scan', durationMinutes: 45, doctorIds: [doctorA], requires: ['exam-room', 'mri'] });
  checkup = await createVisitType(t, h.auth, { name: 'Checkup', durationMinutes: 20, doctorIds: [doctorA, doctorB], bookableOnline: true });
  phoneCall = await createVisitType(t, h.auth, { name: 'Phone call 100%', durationMinutes: 10, doctorIds: [doctorB], bookableOnline: false });
  const deactivated = await t.app.inject({ method: 'DELETE', url: `/v1/visit-types/${phoneCall.id}`, headers: h.auth });
  expect(deactivated.statusCode).toBeLessThan(300);
  otherVisitType = await createVisitType(t, other.auth, { name: 'Checkup', durationMinutes: 20, doctorIds: [await addDoctor(t, other.auth)] });
});
afterAll(async () => {
  await t.close();
});

const ids = (bundle: { resources: Resource[] }) => bundle.resources.map((r) => r.id).sort();

describe('HealthcareService', () => {
  it('reads a visit type: name, length, doctors, the Location, bookable online', async () => {
    const { status, body } = await fhirGet<HealthcareService>(t, h.auth, `/fhir/R4/HealthcareService/${checkup.id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      resourceType: 'HealthcareService',
      id: checkup.id,
      active: true,
      name: 'Checkup',
      type: [{ coding: [{ system: VISIT_TYPE_SYSTEM, code: checkup.id, display: 'Checkup' }] }],
      location: [{ reference: `Location/${h.id}` }],
      characteristic: [{ coding: [{ code: 'bookable-online' }] }],
    });
    expect(body.extension!.find((e) => e.url === VISIT_EXTENSION.duration)!.valueDuration).toMatchObject({ value: 20, code: 'min' });
    const doctors = body.extension!.filter((e) => e.url === VISIT_EXTENSION.practitioner).map((e) => e.valueReference!.reference).sort();
    expect(doctors).toEqual([`Practitioner/${doctorA}`, `Practitioner/${doctorB}`].sort());
    // Every reference it makes resolves.
    for (const reference of [...doctors, `Location/${h.id}`]) expect((await fhirGet(t, h.auth, `/fhir/R4/${reference}`)).status, reference).toBe(200);
  });

  it("answers another hospital's visit type, an unknown id and a malformed id with a 404 OperationOutcome", async () => {
    for (const id of [otherVisitType.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await fhirGet<OperationOutcome>(t, h.auth, `/fhir/R4/HealthcareService/${id}`);
      expect(res.status, id).toBe(404);
      expect(res.body.issue[0]!.code).toBe('not-found');
    }
    const search = await fhirGet<Bundle>(t, h.auth, `/fhir/R4/HealthcareService?_id=${otherVisitType.id},${checkup.id}`);
    expect(search.body.entry!.map((e) => e.resource!.id)).toEqual([checkup.id]);
  });

  it('searches by active and name (part, case-insensitive, % literal) and pages with _count and the total', async () => {
    const all = await allPages<HealthcareService>(t, h.auth, '/fhir/R4/HealthcareService?_count=1');
    expect(ids(all)).toEqual([scan.id, checkup.id, phoneCall.id].sort());
    expect(all.pages).toBe(3);
    expect(all.total).toBe(3);
    expect(ids(await allPages(t, h.auth, '/fhir/R4/HealthcareService?active=true'))).toEqual([scan.id, checkup.id].sort());
    expect(ids(await allPages(t, h.auth, '/fhir/R4/HealthcareService?active=false'))).toEqual([phoneCall.id]);
    expect(ids(await allPages(t, h.auth, '/fhir/R4/HealthcareService?name=mri'))).toEqual([scan.id]);
    expect(ids(await allPages(t, h.auth, `/fhir/R4/HealthcareService?name=${encodeURIComponent('100%')}`))).toEqual([phoneCall.id]);
    expect(ids(await allPages(t, h.auth, `/fhir/R4/HealthcareService?name=${encodeURIComponent('%')}`))).toEqual([phoneCall.id]);
    const bad = await fhirGet<OperationOutcome>(t, h.auth, '/fhir/R4/HealthcareService?active=maybe');
    expect(bad.status).toBe(400);
    expect(bad.body.resourceType).toBe('OperationOutcome');
  });

  it('is listed in the CapabilityStatement with its search parameters', async () => {
    const { body } = await fhirGet(t, null, '/fhir/R4/metadata');
    const entry = (body as { rest: { resource: { type: string; searchParam: { name: string }[] }[] }[] }).rest[0]!.resource.find((r) => r.type === 'HealthcareService')!;
    expect(entry.searchParam.map((p) => p.name)).toEqual(expect.arrayContaining(['_id', 'active', 'name', '_count']));
  });
});

describe('Schedule', () => {
  it('names the active visit types the doctor offers (online or not) as serviceType, read and searched alike', async () => {
    const read = await fhirGet<Schedule>(t, h.auth, `/fhir/R4/Schedule/${doctorA}`);
    expect(read.body.serviceType).toEqual([
      { coding: [{ system: VISIT_TYPE_SYSTEM, code: checkup.id, display: 'Checkup' }], text: 'Checkup' },
      { coding: [{ system: VISIT_TYPE_SYSTEM, code: scan.id, display: 'MRI scan' }], text: 'MRI scan' },
    ]);
    const searched = await allPages<Schedule>(t, h.auth, '/fhir/R4/Schedule?_count=1');
    expect(searched.resources.find((s) => s.id === doctorA)).toEqual(read.body);
    // The deactivated phone call is not offered: doctor B offers the checkup (and whatever later tests add).
    expect(searched.resources.find((s) => s.id === doctorB)!.serviceType![0]!.coding![0]!.code).toBe(checkup.id);
  });
});

describe('Appointment with a visit type', () => {
  it('carries the serviceType, the HealthcareService, the room as a Location and the device as a Device participant', async () => {
    const res = await book(t, h.auth, { doctorId: doctorA, patientId, start: daysAheadAt(3, 10).toISOString(), visitTypeId: scan.id });
    expect(res.statusCode, res.body).toBe(201);
    const booked = res.json().data as { id: string };
    const { status, body } = await fhirGet<Appointment>(t, h.auth, `/fhir/R4/Appointment/${booked.id}`);
    expect(status).toBe(200);
    expect(body.minutesDuration).toBe(45);
    expect(body.serviceType).toEqual([{ coding: [{ system: VISIT_TYPE_SYSTEM, code: scan.id, display: 'MRI scan' }], text: 'MRI scan' }]);
    const actors = body.participant.map((p) => p.actor!);
    expect(actors).toEqual([
      { reference: `Patient/${patientId}` },
      { reference: `Practitioner/${doctorA}` },
      { reference: `HealthcareService/${scan.id}`, display: 'MRI scan' },
      { type: 'Location', identifier: { system: RESOURCE_SYSTEM, value: room.id }, display: 'Room 1' },
      { type: 'Device', identifier: { system: RESOURCE_SYSTEM, value: mri.id }, display: 'MRI 1' },
    ]);
    // Literal references resolve; rooms and devices are logical references (nothing to dangle).
    for (const a of actors.filter((x) => x.reference)) expect((await fhirGet(t, h.auth, `/fhir/R4/${a.reference}`)).status, a.reference).toBe(200);
    // The search answers the same resource.
    const found = await allPages<Appointment>(t, h.auth, `/fhir/R4/Appointment?practitioner=${doctorA}`);
    expect(found.resources.find((a) => a.id === booked.id)).toEqual(body);
  });

  it('without a visit type has neither serviceType nor further participants', async () => {
    const res = await book(t, h.auth, { doctorId: doctorB, patientId, start: daysAheadAt(4, 10).toISOString(), durationMinutes: 30 });
    expect(res.statusCode, res.body).toBe(201);
    const { body } = await fhirGet<Appointment>(t, h.auth, `/fhir/R4/Appointment/${res.json().data.id}`);
    expect(body.serviceType).toBeUndefined();
    expect(body.participant).toHaveLength(2);
  });
});

describe('$bulk-publish Schedules', () => {
  async function publishedSchedules(): Promise<Schedule[]> {
    const res = await t.app.inject({ method: 'GET', url: `/v1/public/hospitals/${h.subdomain}/$bulk-publish/Schedule.ndjson` });
    expect(res.statusCode).toBe(200);
    const schedules = res.body.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Schedule);
    for (const s of schedules) assertValidFhir(s);
    return schedules;
  }
  const codes = (s: Schedule | undefined) => s!.serviceType!.map((c) => c.coding?.[0]?.code ?? c.text);

  it('name the active visit types each doctor offers online as serviceType, and a new one appears at once', async () => {
    const before = await publishedSchedules();
    // bookableOnline defaults to true: the scan is offered online too (name order: Checkup, MRI scan).
    expect(codes(before.find((s) => s.id === doctorA))).toEqual([checkup.id, scan.id]);
    expect(codes(before.find((s) => s.id === doctorB))).toEqual([checkup.id]);
    const followUp = await createVisitType(t, h.auth, { name: 'Follow-up', durationMinutes: 15, doctorIds: [doctorB], bookableOnline: true });
    const after = await publishedSchedules();
    expect(codes(after.find((s) => s.id === doctorB))).toEqual([checkup.id, followUp.id]);
    expect(after.find((s) => s.id === doctorB)!.serviceType![1]).toEqual({ coding: [{ system: VISIT_TYPE_SYSTEM, code: followUp.id, display: 'Follow-up' }], text: 'Follow-up' });
  });
});
