import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../infra/db/tenant.ts';
import { PermanentError } from '../../infra/queue/errors.ts';
import type { QueueMessage } from '../../infra/queue/message.ts';
import type { ResolveResult } from '../notifications/registry.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { action, addPatient, appointmentTestEnv, bookingFixture, bookOk, daysAheadAt, outboxFor } from '../../../test/helpers/appointment-factories.ts';
import { uniqueEmail } from '../../../test/helpers/factories.ts';
import { parseInvite } from '../../../test/helpers/ical.ts';
import { createSignedTokens } from '../../infra/crypto/signed-token.ts';
import { createManageLinks } from '../manage/manage-links.ts';
import { resolveAppointmentEvent } from './appointment-notifications.ts';

/** The resolver against the real database: each outbox row of an appointment, resolved as the notifications consumer would. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: appointmentTestEnv });
});
afterAll(async () => {
  await t.close();
});

async function resolveRow(hospitalId: string, row: { id: string; type: string; payload: Record<string, unknown> }): Promise<ResolveResult> {
  const event: QueueMessage = { id: row.id, hospitalId, queue: 'notifications', type: row.type, payload: row.payload, attempt: 1, createdAt: new Date('2027-01-01T00:00:00Z') };
  return withTenant(t.deps.database.db, hospitalId, (scope) => resolveAppointmentEvent({ scope, event, logger: pino({ level: 'silent' }), links: createManageLinks(createSignedTokens(t.deps.serverSecret), t.deps.config.env.PUBLIC_BASE_URL) }));
}

describe('appointment.* resolver', () => {
  it("addresses the patient in their channel; email confirmations carry the .ics, SMS ones don't", async () => {
    const f = await bookingFixture(t, { patient: { name: 'Eve', email: uniqueEmail('eve'), notificationChannel: 'email' } });
    const smsPatient = await addPatient(t, f.auth, { name: 'Sam', phone: '+14155550123', notificationChannel: 'sms' });
    const quiet = await addPatient(t, f.auth, { name: 'Quinn' });
    const byEmail = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 9).toISOString() });
    const bySms = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: smsPatient, start: daysAheadAt(2, 10).toISOString() });
    const none = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: quiet, start: daysAheadAt(2, 11).toISOString() });

    const confirm = async (id: string) => resolveRow(f.hospital.id, (await outboxFor(t, id)).find((m) => m.type === 'appointment.booked')!);
    const email = await confirm(byEmail.id);
    if (!('recipients' in email)) throw new Error('expected recipients');
    expect(email.recipients).toHaveLength(1);
    expect(email.recipients[0]).toMatchObject({ key: `patient:${f.patientId}`, channel: 'email', template: 'appointment_confirmation' });
    expect(email.recipients[0]!.data).toMatchObject({ appointmentId: byEmail.id, start: byEmail.start, end: byEmail.end, hospitalName: 'Test Clinic', timezone: 'UTC' });
    const [invite] = email.recipients[0]!.attachments ?? [];
    expect(invite).toMatchObject({ filename: 'appointment.ics', contentType: 'text/calendar; method=REQUEST; charset=UTF-8' });
    expect(parseInvite(invite!.content)).toMatchObject({ method: 'REQUEST', uid: `${byEmail.id}@tempus`, sequence: 1, start: byEmail.start, end: byEmail.end });

    const sms = await confirm(bySms.id);
    if (!('recipients' in sms)) throw new Error('expected recipients');
    expect(sms.recipients[0]).toMatchObject({ channel: 'sms', phone: '+14155550123' });
    expect(sms.recipients[0]!.attachments).toBeUndefined();

    const quietResult = await confirm(none.id);
    if (!('recipients' in quietResult)) throw new Error('expected recipients');
    expect(quietResult.recipients[0]!.channel).toBe('none'); // the messaging layer records it as skipped
  });

  it('skips a due reminder of a cancelled, moved or finished appointment and sends a current one', async () => {
    const f = await bookingFixture(t, { settings: { reminderOffsetsMinutes: [60] } });
    const kept = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 9).toISOString() });
    const cancelled = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 10).toISOString() });
    const moved = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 11).toISOString() });
    await action(t, f.auth, cancelled.id, 'cancel', {});
    await action(t, f.auth, moved.id, 'reschedule', { start: daysAheadAt(2, 13).toISOString() });
    const reminders = async (id: string) => (await outboxFor(t, id)).filter((m) => m.type === 'appointment.reminder');

    const current = await resolveRow(f.hospital.id, (await reminders(kept.id))[0]!);
    expect('recipients' in current && current.recipients[0]!.template).toBe('appointment_reminder');
    expect(await resolveRow(f.hospital.id, (await reminders(cancelled.id))[0]!)).toEqual({ skip: 'reminder not sent: appointment is cancelled' });
    const [stale, fresh] = await reminders(moved.id);
    expect(await resolveRow(f.hospital.id, stale!)).toEqual({ skip: 'reminder not sent: appointment was rescheduled' });
    const ok = await resolveRow(f.hospital.id, fresh!);
    expect('recipients' in ok && ok.recipients[0]!.data.start).toBe(daysAheadAt(2, 13).toISOString());
    // A reminder for an appointment of another hospital resolves as not found (RLS and the tenant filter).
    const other = await bookingFixture(t);
    expect(await resolveRow(other.hospital.id, (await reminders(kept.id))[0]!)).toEqual({ skip: 'reminder not sent: appointment no longer exists' });
  });

  it('dead-letters a payload that breaks the contract', async () => {
    const f = await bookingFixture(t);
    const bad = [
      { type: 'appointment.reminder', payload: { appointmentId: 'nope', version: 1, scheduledStart: new Date().toISOString() } },
      { type: 'appointment.reminder', payload: { appointmentId: randomUUID(), version: 0, scheduledStart: new Date().toISOString() } },
      { type: 'appointment.exploded', payload: { appointmentId: randomUUID() } },
    ];
    for (const row of bad) {
      await expect(resolveRow(f.hospital.id, { id: randomUUID(), ...row })).rejects.toBeInstanceOf(PermanentError);
    }
  });
});
