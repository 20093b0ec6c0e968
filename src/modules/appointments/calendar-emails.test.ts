/**
 * Patient emails as they arrive, end to end: book, reschedule and cancel one
 * appointment through the API, capture the real emails (the SMTP peer on the
 * services target, the .eml files in embedded mode), and read them with the
 * peers' tools — mailparser for the message, Mozilla's ical.js for every
 * calendar file, htmlparser2 for the HTML layout.
 *
 * iTIP (SPEC section 16 "Calendars"): the confirmation is METHOD:REQUEST with
 * the hospital as ORGANIZER and the patient as ATTENDEE; the reschedule has
 * the same UID, a higher SEQUENCE and the new times; the cancellation is
 * METHOD:CANCEL, STATUS:CANCELLED, same UID, higher SEQUENCE still.
 */
import { describe, expect, it } from 'vitest';
import { action, appointmentTestEnv, book, bookingFixture, bookOk, daysAheadAt } from '../../../test/helpers/appointment-factories.ts';
import { createResource, createVisitType } from '../../../test/helpers/visit-factories.ts';
import { visibleLines } from '../../../test/helpers/email-layout.ts';
import { registerHospital, uniqueEmail } from '../../../test/helpers/factories.ts';
import { parseInvite } from '../../../test/helpers/ical.ts';
import { useMailApp, type Mail } from '../../../test/helpers/mailbox.ts';
import { eventually } from '../../../test/helpers/messaging.ts';

const suite = useMailApp(appointmentTestEnv);
const { t } = suite;

const mailTo = (address: string) => suite.mailTo(address);

async function mailMatching(address: string, subject: RegExp, what: string): Promise<Mail> {
  const mails = await eventually(() => mailTo(address), (m) => m.some((x) => subject.test(x.subject)), what, 30_000);
  const found = mails.filter((x) => subject.test(x.subject));
  expect(found, `${what}: exactly one`).toHaveLength(1);
  return found[0]!;
}

function calendarOf(mail: Mail) {
  const files = mail.attachments.filter((a) => a.contentType === 'text/calendar');
  expect(files, mail.subject).toHaveLength(1);
  return { file: files[0]!, invite: parseInvite(files[0]!.content) };
}

describe('patient emails', () => {
  it('confirm, move and cancel one appointment with iTIP calendar files a calendar follows, laid out line by line', async () => {
    const patientEmail = uniqueEmail('ada');
    const f = await bookingFixture(t, { timezone: 'Europe/Berlin', patient: { name: 'Ada Lovelace', email: patientEmail, notificationChannel: 'email' } });
    const first = daysAheadAt(6, 8);
    const booked = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: first.toISOString(), durationMinutes: 30 });
    const confirmation = await mailMatching(patientEmail, /confirmed/i, 'the confirmation');

    const moved = daysAheadAt(7, 13);
    expect((await action(t, f.auth, booked.id, 'reschedule', { start: moved.toISOString() })).statusCode).toBe(200);
    const reschedule = await mailMatching(patientEmail, /moved/i, 'the reschedule notice');
    expect((await action(t, f.auth, booked.id, 'cancel', { reason: 'Doctor ill' })).statusCode).toBe(200);
    const cancellation = await mailMatching(patientEmail, /cancelled/i, 'the cancellation notice');

    const uid = `${booked.id}@tempus`;
    const organizer = { uri: `mailto:${f.hospital.email}`, cn: 'Test Clinic' };
    const attendee = { uri: `mailto:${patientEmail}`, cn: 'Ada Lovelace', role: 'REQ-PARTICIPANT', partstat: 'NEEDS-ACTION', rsvp: 'FALSE' };

    const c = calendarOf(confirmation);
    expect(c.file.params).toMatchObject({ method: 'REQUEST', charset: expect.stringMatching(/^utf-8$/i) });
    expect(c.invite).toMatchObject({
      method: 'REQUEST',
      events: 1,
      uid,
      status: 'CONFIRMED',
      start: first.toISOString(),
      end: new Date(first.getTime() + 30 * 60_000).toISOString(),
      organizer,
      attendees: [attendee],
    });

    const r = calendarOf(reschedule);
    expect(r.file.params).toMatchObject({ method: 'REQUEST' });
    expect(r.invite).toMatchObject({
      method: 'REQUEST',
      uid,
      status: 'CONFIRMED',
      start: moved.toISOString(),
      end: new Date(moved.getTime() + 30 * 60_000).toISOString(),
      organizer,
      attendees: [attendee],
    });
    expect(r.invite.sequence).toBeGreaterThan(c.invite.sequence);

    const x = calendarOf(cancellation);
    expect(x.file.params).toMatchObject({ method: 'CANCEL' });
    expect(x.invite).toMatchObject({ method: 'CANCEL', uid, status: 'CANCELLED', start: moved.toISOString(), organizer, attendees: [attendee] });
    expect(x.invite.sequence).toBeGreaterThan(r.invite.sequence);

    // When / With / Where, each on a line of its own, in the HTML a mail client shows and in the text part.
    const when = (d: Date) =>
      `${new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Berlin', dateStyle: 'full', timeStyle: 'short' }).format(d)} (Europe/Berlin)`;
    for (const [mail, at] of [[confirmation, first], [reschedule, moved], [cancellation, moved]] as const) {
      const lines = visibleLines(mail.html);
      expect(lines, mail.subject).toEqual(expect.arrayContaining([`When ${when(at)}`, 'With Dr. Test', 'Where Test Clinic']));
      expect(mail.text.split('\n'), mail.subject).toEqual(expect.arrayContaining([`When: ${when(at)}`, 'With: Dr. Test', 'Where: Test Clinic']));
    }
  }, 120_000);

  it('names the visit type and the room in the confirmation and its calendar file', async () => {
    const patientEmail = uniqueEmail('grace');
    const f = await bookingFixture(t, { timezone: 'UTC', patient: { name: 'Grace Hopper', email: patientEmail, notificationChannel: 'email' } });
    await createResource(t, f.auth, { name: 'MRI suite 1', kind: 'mri' });
    const vt = await createVisitType(t, f.auth, { name: 'MRI scan', durationMinutes: 45, bufferBeforeMinutes: 15, doctorIds: [f.doctorId], requires: ['mri'] });
    const start = daysAheadAt(6, 10);
    const res = await book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: start.toISOString(), visitTypeId: vt.id });
    expect(res.statusCode, res.body).toBe(201);
    const confirmation = await mailMatching(patientEmail, /confirmed/i, 'the confirmation');
    const { invite } = calendarOf(confirmation);
    expect(invite).toMatchObject({
      summary: 'MRI scan with Dr. Test',
      location: 'MRI suite 1, Test Clinic',
      start: start.toISOString(),
      end: new Date(start.getTime() + 45 * 60_000).toISOString(),
    });
    expect(visibleLines(confirmation.html)).toEqual(expect.arrayContaining(['Visit MRI scan', 'With Dr. Test', 'Where Test Clinic', 'Room MRI suite 1']));
    expect(confirmation.text.split('\n')).toEqual(expect.arrayContaining(['Visit: MRI scan', 'Room: MRI suite 1']));
  }, 60_000);

  it("writes an invitation's expiry in the hospital's zone and says what a one-time code is for", async () => {
    const h = await registerHospital(t, { timezone: 'America/New_York' });
    const invitee = uniqueEmail('invitee');
    const res = await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/invitations', headers: h.auth, payload: { email: invitee, role: 'staff' } });
    expect(res.statusCode).toBe(201);
    const expiresAt = new Date(res.json().data.expiresAt);
    const invitation = await mailMatching(invitee, /invited/i, 'the invitation');
    const local = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', dateStyle: 'full', timeStyle: 'short' }).format(expiresAt);
    expect(invitation.text).toContain(`The invitation expires on ${local} (America/New_York).`);

    expect((await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/otp', headers: h.auth })).statusCode).toBe(202);
    const otp = await mailMatching(h.email, /verification code/i, 'the OTP email');
    expect(otp.text).toContain("Use this code to change your hospital's details (Test Clinic):");
    expect(otp.text + otp.html).not.toContain('hospital.update');
  }, 60_000);
});
