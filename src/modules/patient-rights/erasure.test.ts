import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { enqueueJob } from '../notifications/jobs.ts';
import { addMember } from '../../../test/helpers/member-factories.ts';
import { appointmentTestEnv, bookingFixture, bookOk, book, daysAheadAt, outboxFor, type BookingFixture } from '../../../test/helpers/appointment-factories.ts';
import { uniqueEmail } from '../../../test/helpers/factories.ts';
import { useMailApp } from '../../../test/helpers/mailbox.ts';
import { eventually } from '../../../test/helpers/messaging.ts';
import { insertAppointment } from '../../../test/helpers/scheduling-factories.ts';
import { SAMPLE_NOTE, writeNote } from '../../../test/helpers/visit-note-factories.ts';

/**
 * Erasure end to end, with messaging running (RabbitMQ + SMTP peer on the
 * services target, the inline transport and .eml files embedded): after it,
 * nothing finds the patient, nothing reaches them, and the clinical record
 * and the audit trail are intact.
 */
const suite = useMailApp(appointmentTestEnv);
const { t } = suite;

type Auth = { authorization: string };
const get = (auth: Auth, url: string) => t.app.inject({ method: 'GET', url, headers: auth });
const erase = (auth: Auth, id: string, payload: unknown = { reason: 'Erasure request 2026-03-01, ticket 4711' }) =>
  t.app.inject({ method: 'POST', url: `/v1/patients/${id}/erase`, headers: auth, payload: payload as object });

describe('POST /v1/patients/:id/erase', () => {
  let f: BookingFixture;
  let doctor: { auth: Auth };
  let email: string;
  const phone = '+393471112233';
  const name = 'Erin Erasable';
  let future: string;
  let noteId: string;
  let pastAppointment: string;

  beforeAll(async () => {
    email = uniqueEmail('erin');
    f = await bookingFixture(t, { patient: { name, email, phone, notificationChannel: 'email', language: 'es' }, settings: { reminderOffsetsMinutes: [1440] } });
    doctor = await addMember(t, f.hospital, 'doctor', { doctorId: f.doctorId });
    // A past visit with a note: the clinical record erasure must keep.
    const start = new Date(Date.now() - 3 * 86_400_000);
    pastAppointment = await insertAppointment(t, f.hospital.id, { doctorId: f.doctorId, patientId: f.patientId, start, end: new Date(start.getTime() + 1_800_000), status: 'completed' });
    noteId = (await writeNote(t, doctor.auth, pastAppointment, SAMPLE_NOTE)).id;
    // A future booking: its confirmation goes out, its reminder waits in the outbox.
    future = (await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(3, 10).toISOString(), durationMinutes: 30 })).id;
    await eventually(() => suite.mailTo(email), (m) => m.length === 1, 'the confirmation');
    expect((await outboxFor(t, future)).filter((m) => m.type === 'appointment.reminder')).toHaveLength(1);
  });

  it('is for the owner only: an admin is refused and nothing changes', async () => {
    const admin = await addMember(t, f.hospital, 'admin');
    expect((await erase(admin.auth, f.patientId)).statusCode).toBe(403);
    expect((await get(f.auth, `/v1/patients/${f.patientId}`)).json().data.name).toBe(name);
  });

  it('erases in one step: identity gone, future visits cancelled silently, queued messages dropped, audited', async () => {
    const res = await erase(f.auth, f.patientId);
    expect(res.statusCode).toBe(200);
    const body = res.json().data;
    expect(body.patient).toMatchObject({ id: f.patientId, name: 'Erased patient', email: null, phone: null, dateOfBirth: null, language: null, notificationChannel: 'none' });
    expect(body.patient.erasedAt).toEqual(expect.any(String));
    expect(body.steps).toMatchObject({ identity: 1, futureAppointmentsCancelled: 1, pendingEventsDropped: 1 });

    const appointment = (await get(f.auth, `/v1/appointments/${future}`)).json().data;
    expect(appointment).toMatchObject({ status: 'cancelled', reason: null });
    // No cancellation event, no reminder left to come due.
    expect(await outboxFor(t, future)).toEqual(expect.not.arrayContaining([expect.objectContaining({ type: 'appointment.cancelled' })]));
    expect((await outboxFor(t, future)).filter((m) => m.type === 'appointment.reminder')).toHaveLength(0);

    const [audit] = await rawRows<{ actor_user_id: string; metadata: { reason: string; steps: Record<string, number> } }>(
      t.deps.database.db,
      sql`select actor_user_id, metadata from audit_events where hospital_id = ${f.hospital.id} and entity_id = ${f.patientId} and action = 'patient.erased'`,
    );
    const owner = await rawRows<{ user_id: string }>(t.deps.database.db, sql`select user_id from hospital_members where hospital_id = ${f.hospital.id} and role = 'owner'`);
    expect(audit).toMatchObject({ actor_user_id: owner[0]!.user_id, metadata: { reason: 'Erasure request 2026-03-01, ticket 4711' } });
    // The delivery log keeps that a confirmation was sent, not where to.
    const lines = await rawRows<{ recipient: string | null; status: string }>(
      t.deps.database.db,
      sql`select recipient, status from notification_deliveries where hospital_id = ${f.hospital.id} and patient_id = ${f.patientId}`,
    );
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.recipient === null)).toBe(true);
    const bodies = await rawRows<{ n: number }>(
      t.deps.database.db,
      sql`select count(*)::int as n from outbox where hospital_id = ${f.hospital.id} and (payload::text like ${`%${email}%`} or payload::text like ${`%${name}%`})`,
    );
    expect(bodies[0]!.n).toBe(0);
  });

  it('cannot be found by the old name, email or phone', async () => {
    for (const search of [name, 'Erin', email, phone, '347 111 2233', 'Erased']) {
      const res = await get(f.auth, `/v1/patients?search=${encodeURIComponent(search)}`);
      expect(res.statusCode).toBe(200);
      expect((res.json().data as { id: string }[]).map((p) => p.id)).not.toContain(f.patientId);
    }
  });

  it('receives nothing again: a message already on its way is dropped in the delivery path', async () => {
    const before = (await suite.mailTo(email)).length;
    const messageId = await withTenant(t.deps.database.db, f.hospital.id, (scope) =>
      enqueueJob(scope, { channel: 'email', template: 'welcome', to: email, data: { hospitalName: 'Test Clinic' }, patientId: f.patientId }),
    );
    t.messaging.wake();
    const [line] = await eventually(
      () => rawRows<{ status: string; last_error: string | null }>(t.deps.database.db, sql`select status, last_error from notification_deliveries where message_id = ${messageId}::uuid`),
      (rows) => rows[0]?.status === 'skipped',
      'the dropped delivery',
    );
    expect(line!.last_error).toBe('the patient was erased');
    expect((await suite.mailTo(email)).length).toBe(before);
    // And cannot be booked or given contact data again.
    const booking = await book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(4, 10).toISOString(), durationMinutes: 30 });
    expect(booking.statusCode).toBe(404);
    const patch = await t.app.inject({ method: 'PATCH', url: `/v1/patients/${f.patientId}`, headers: f.auth, payload: { email } });
    expect(patch.statusCode).toBe(409);
    expect(patch.json().code).toBe('PATIENT_ERASED');
  });

  it('keeps the clinical record: the doctor still reads the visit note and the past visit', async () => {
    const note = await get(doctor.auth, `/v1/visit-notes/${noteId}`);
    expect(note.statusCode).toBe(200);
    expect(note.json().data).toMatchObject({ subjective: SAMPLE_NOTE.subjective, patientId: f.patientId });
    expect((await get(f.auth, `/v1/appointments/${pastAppointment}`)).json().data.status).toBe('completed');
  });

  it('a second erase is 409 PATIENT_ERASED with when it happened; unknown patients are 404; a reason is required', async () => {
    const again = await erase(f.auth, f.patientId);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'PATIENT_ERASED', details: { patientId: f.patientId, erasedAt: expect.any(String) } });
    expect((await erase(f.auth, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    const other = await bookingFixture(t);
    expect((await erase(other.auth, f.patientId)).statusCode).toBe(404);
    for (const payload of [{}, { reason: '' }, { reason: '   ' }, { reason: 'x'.repeat(501) }, { reason: 'ok', extra: 1 }]) {
      const res = await erase(other.auth, other.patientId, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
    }
  });
});
