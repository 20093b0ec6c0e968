import type { Appointment, Bundle, Communication, DocumentReference, Patient, Resource } from '@medplum/fhirtypes';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { assertValidFhir } from '../../../test/helpers/fhir.ts';
import { addMember } from '../../../test/helpers/member-factories.ts';
import { insertAppointment } from '../../../test/helpers/scheduling-factories.ts';
import { noteAppointment, noteWorld, putNote, SAMPLE_NOTE, writeNote, type NoteWorld } from '../../../test/helpers/visit-note-factories.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { addDeliveryLine } from '../notifications/deliveries.repo.ts';
import { allDayHours, createResource, createVisitType } from '../../../test/helpers/visit-factories.ts';

/** The patient's export: a FHIR R4 collection Bundle with everything of theirs and nothing of anyone else's. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'false' } });
});
afterAll(async () => {
  await t.close();
});

type Auth = { authorization: string };
const exportOf = (auth: Auth, patientId: string) => t.app.inject({ method: 'GET', url: `/v1/patients/${patientId}/export`, headers: auth });
const ofType = <R extends Resource>(bundle: Bundle, type: R['resourceType']) =>
  (bundle.entry ?? []).map((e) => e.resource!).filter((r): r is R => r.resourceType === type);

describe('GET /v1/patients/:id/export', () => {
  let w: NoteWorld;
  let other: string;
  let visits: string[];
  let noteIds: string[];
  let bundle: Bundle;

  beforeAll(async () => {
    w = await noteWorld(t);
    await t.app.inject({ method: 'PATCH', url: `/v1/patients/${w.patientId}`, headers: w.hospital.auth, payload: { email: 'note.patient@mail.example', dateOfBirth: '1984-07-21', language: 'es-MX' } });
    // Two visits with notes (one amended twice), one future visit, one cancelled.
    visits = [await noteAppointment(t, w), await noteAppointment(t, w), await noteAppointment(t, w, { status: 'scheduled' }), await noteAppointment(t, w, { status: 'cancelled' })];
    const first = await writeNote(t, w.doctor.auth, visits[0]!, SAMPLE_NOTE);
    await putNote(t, w.doctor.auth, first.id, { ...SAMPLE_NOTE, plan: 'Second thoughts' });
    await putNote(t, w.doctor.auth, first.id, { ...SAMPLE_NOTE, plan: 'Third version' });
    const second = await writeNote(t, w.doctor.auth, visits[1]!, { assessment: 'All well.' });
    noteIds = [first.id, second.id];
    // Another patient of the same hospital, with a visit, a note and a message, none of which may appear.
    other = (await t.app.inject({ method: 'POST', url: '/v1/patients', headers: w.hospital.auth, payload: { name: 'Somebody Else' } })).json().data.id;
    const otherVisit = await noteAppointment(t, w, { patientId: other });
    await writeNote(t, w.doctor.auth, otherVisit, { plan: 'Not for the export' });
    await withTenant(t.deps.database.db, w.hospital.id, async (scope) => {
      await addDeliveryLine(scope.tx, { messageId: crypto.randomUUID(), channel: 'email', hospitalId: w.hospital.id, recipient: 'note.patient@mail.example', template: 'appointment_confirmation', patientId: w.patientId });
      await addDeliveryLine(scope.tx, { messageId: crypto.randomUUID(), channel: 'sms', hospitalId: w.hospital.id, recipient: '+14155550100', template: 'appointment_reminder', patientId: w.patientId, skipped: "the hospital's plan does not include SMS" });
      await addDeliveryLine(scope.tx, { messageId: crypto.randomUUID(), channel: 'email', hospitalId: w.hospital.id, recipient: 'else@mail.example', template: 'appointment_confirmation', patientId: other });
    });
    const res = await exportOf(w.admin.auth, w.patientId);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    bundle = res.json() as Bundle;
  });

  it('is a valid FHIR R4 collection Bundle (Medplum validator, R4 definitions)', () => {
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect(() => assertValidFhir(bundle)).not.toThrow();
  });

  it('holds the Patient, every appointment and every note version of the patient, and nothing of another patient', () => {
    const [patient, ...morePatients] = ofType<Patient>(bundle, 'Patient');
    expect(morePatients).toEqual([]);
    expect(patient).toMatchObject({ id: w.patientId, active: true, name: [{ text: 'Note Patient' }], birthDate: '1984-07-21', telecom: [{ system: 'email', value: 'note.patient@mail.example' }] });
    // The patient's language, as FHIR binds it (BCP 47); the Bundle passed the Medplum validator above.
    expect(patient!.communication).toEqual([{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'es-MX' }], text: 'es-MX' } }]);
    expect(ofType<Appointment>(bundle, 'Appointment').map((a) => a.id).sort()).toEqual([...visits].sort());
    const documents = ofType<DocumentReference>(bundle, 'DocumentReference');
    expect(documents.map((d) => [d.id, d.status])).toEqual([
      [`${noteIds[0]}-v1`, 'superseded'],
      [`${noteIds[0]}-v2`, 'superseded'],
      [`${noteIds[0]}-v3`, 'current'],
      [`${noteIds[1]}-v1`, 'current'],
    ]);
    expect(documents[2]!.relatesTo).toEqual([{ code: 'replaces', target: { reference: `DocumentReference/${noteIds[0]}-v2` } }]);
    const text = Buffer.from(documents[2]!.content[0]!.attachment.data!, 'base64').toString('utf8');
    expect(text).toContain('Plan:\nThird version');
    expect(text).toContain('J02.9 Acute pharyngitis, unspecified');
    const messages = ofType<Communication>(bundle, 'Communication');
    // Both lines were written in one transaction (same created_at): compare without order.
    expect(messages.map((m) => [m.topic?.text, m.status]).sort()).toEqual([
      ['appointment_confirmation', 'preparation'],
      ['appointment_reminder', 'not-done'],
    ]);
    const json = JSON.stringify(bundle);
    expect(json).not.toContain(other);
    expect(json).not.toContain('Somebody Else');
    expect(json).not.toContain('Not for the export');
    for (const r of (bundle.entry ?? []).map((e) => e.resource!)) {
      if (r.resourceType === 'Appointment') expect(r.participant.map((p) => p.actor?.reference)).toContain(`Patient/${w.patientId}`);
      if (r.resourceType === 'DocumentReference' || r.resourceType === 'Communication') expect(r.subject?.reference).toBe(`Patient/${w.patientId}`);
    }
  });

  it('is recorded in the access log and audited', async () => {
    const access = await rawRows<{ purpose: string; actor_user_id: string }>(
      t.deps.database.db,
      sql`select purpose, actor_user_id from access_events where hospital_id = ${w.hospital.id} and patient_id = ${w.patientId} and purpose = 'patient.export'`,
    );
    expect(access).toEqual([{ purpose: 'patient.export', actor_user_id: w.admin.userId }]);
    const [audit] = await rawRows<{ actor_user_id: string; metadata: Record<string, unknown> }>(
      t.deps.database.db,
      sql`select actor_user_id, metadata from audit_events where hospital_id = ${w.hospital.id} and entity_id = ${w.patientId} and action = 'patient.exported'`,
    );
    expect(audit).toEqual({ actor_user_id: w.admin.userId, metadata: { appointments: 4, noteVersions: 4, communications: 2, waitlistEntries: 0, erased: false } });
  });

  it("says erased for an erased patient, and still validates", async () => {
    const doomed = (await t.app.inject({ method: 'POST', url: '/v1/patients', headers: w.hospital.auth, payload: { name: 'Gone Soon', email: 'gone@mail.example', language: 'de' } })).json().data.id;
    const start = new Date(Date.UTC(2031, 0, 1, 9));
    await insertAppointment(t, w.hospital.id, { doctorId: w.doctor.doctorId, patientId: doomed, start, end: new Date(start.getTime() + 1_800_000), status: 'completed' });
    const erased = await t.app.inject({ method: 'POST', url: `/v1/patients/${doomed}/erase`, headers: w.hospital.auth, payload: { reason: 'Request by the patient' } });
    expect(erased.statusCode).toBe(200);
    const res = await exportOf(w.hospital.auth, doomed);
    expect(res.statusCode).toBe(200);
    const b = res.json() as Bundle;
    assertValidFhir(b);
    expect(b.meta?.tag).toEqual([expect.objectContaining({ system: 'urn:tempus:patient-status', code: 'erased' })]);
    const [patient] = ofType<Patient>(b, 'Patient');
    expect(patient).toMatchObject({ active: false, name: [{ text: 'Erased patient' }], meta: { tag: [expect.objectContaining({ code: 'erased' })] } });
    expect(patient!.telecom).toBeUndefined();
    expect(patient!.communication).toBeUndefined();
    expect(JSON.stringify(b)).not.toContain('gone@mail.example');
    expect(ofType<Appointment>(b, 'Appointment')).toHaveLength(1);
  });

  it('maps a visit of a type with a room exactly as the FHIR API does: serviceType, HealthcareService, the room as a Location', async () => {
    const patientId = (await t.app.inject({ method: 'POST', url: '/v1/patients', headers: w.hospital.auth, payload: { name: 'Typed Visit' } })).json().data.id as string;
    await allDayHours(t, w.hospital.id, [w.otherDoctor.doctorId]);
    const room = await createResource(t, w.hospital.auth, { name: 'Scan room', kind: 'scan-room' });
    const scan = await createVisitType(t, w.hospital.auth, { name: 'Scan', durationMinutes: 45, doctorIds: [w.otherDoctor.doctorId], requires: ['scan-room'] });
    // Ten days ahead at 10:00 UTC: inside the booking horizon, on the doctor's all-day hours.
    const start = new Date(Math.ceil(Date.now() / 86_400_000 + 10) * 86_400_000 + 36_000_000);
    const booked = await t.app.inject({ method: 'POST', url: '/v1/appointments', headers: w.hospital.auth, payload: { doctorId: w.otherDoctor.doctorId, patientId, start: start.toISOString(), visitTypeId: scan.id } });
    expect(booked.statusCode, booked.body).toBe(201);
    const id = booked.json().data.id as string;
    const res = await exportOf(w.admin.auth, patientId);
    expect(res.statusCode).toBe(200);
    const exported = ofType<Appointment>(res.json() as Bundle, 'Appointment');
    expect(exported.map((a) => a.id)).toEqual([id]);
    expect(exported[0]!.serviceType?.[0]?.text).toBe('Scan');
    expect(exported[0]!.participant.map((p) => p.actor)).toContainEqual(expect.objectContaining({ type: 'Location', display: 'Scan room', identifier: expect.objectContaining({ value: room.id }) }));
    const fhir = await t.app.inject({ method: 'GET', url: `/fhir/R4/Appointment/${id}`, headers: w.hospital.auth });
    expect(fhir.statusCode).toBe(200);
    expect(exported[0]).toEqual(fhir.json());
  });

  it('is for owners and admins only; another hospital gets 404', async () => {
    expect((await exportOf(w.staff.auth, w.patientId)).statusCode).toBe(403);
    expect((await exportOf(w.doctor.auth, w.patientId)).statusCode).toBe(403);
    const stranger = await noteWorld(t);
    const res = await exportOf(stranger.hospital.auth, w.patientId);
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('NOT_FOUND');
    const owner2 = await addMember(t, stranger.hospital, 'admin');
    expect((await exportOf(owner2.auth, w.patientId)).statusCode).toBe(404);
  });
});
