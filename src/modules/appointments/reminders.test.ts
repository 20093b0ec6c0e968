import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import {
  action,
  addDoctor,
  addPatient,
  appointmentTestEnv,
  bookingFixture,
  bookOk,
  outboxFor,
  type BookingFixture,
} from '../../../test/helpers/appointment-factories.ts';
import { uniqueEmail } from '../../../test/helpers/factories.ts';
import { useMailApp } from '../../../test/helpers/mailbox.ts';
import { eventually } from '../../../test/helpers/messaging.ts';

/**
 * Reminders end to end, with real time and short offsets from configuration
 * (the hospital's reminderOffsetsMinutes = [1]): appointments ~70 s ahead have
 * reminders due in ~10 s. Services target: outbox -> relay -> RabbitMQ ->
 * consumers -> SMTP peer. Embedded: the inline transport and .eml files under
 * DATA_DIR/mail.
 */

const suite = useMailApp(appointmentTestEnv);
const { t } = suite;

const mailTo = (address: string) => suite.mailTo(address);

async function delivery(messageId: string) {
  const [row] = await rawRows<{ status: string; channel: string; last_error: string | null }>(
    t.deps.database.db,
    sql`select status, channel, last_error from notification_deliveries where message_id = ${messageId}::uuid`,
  );
  return row ?? null;
}

const reminderIds = async (appointmentId: string) => (await outboxFor(t, appointmentId)).filter((m) => m.type === 'appointment.reminder');

describe('appointment notifications end to end', () => {
  it(
    'confirms with an .ics, reminds when due, skips after a cancel, and moves with a reschedule — each mail once',
    async () => {
      const f: BookingFixture = await bookingFixture(t, {
        patient: { name: 'Ada Sent', email: uniqueEmail('ada'), notificationChannel: 'email' },
        settings: { reminderOffsetsMinutes: [1] },
      });
      const ada = (await rawRows<{ email: string }>(t.deps.database.db, sql`select email from patients where id = ${f.patientId}::uuid`))[0]!.email;
      const bobEmail = uniqueEmail('bob');
      const cyEmail = uniqueEmail('cy');
      const bob = await addPatient(t, f.auth, { name: 'Bob Cancelled', email: bobEmail, notificationChannel: 'email' });
      const cy = await addPatient(t, f.auth, { name: 'Cy Moved', email: cyEmail, notificationChannel: 'email' });
      const doctor2 = await addDoctor(t, f.auth);
      const doctor3 = await addDoctor(t, f.auth);

      const soon = (seconds: number) => new Date(Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000);
      const a = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: soon(70).toISOString(), durationMinutes: 15 });
      const b = await bookOk(t, f.auth, { doctorId: doctor2, patientId: bob, start: soon(70).toISOString(), durationMinutes: 15 });
      const c = await bookOk(t, f.auth, { doctorId: doctor3, patientId: cy, start: soon(70).toISOString(), durationMinutes: 15 });
      expect((await reminderIds(a.id)).length).toBe(1);

      // Confirmation with a calendar file, in the patient's channel.
      await eventually(() => mailTo(ada), (m) => m.some((x) => /confirmed/i.test(x.subject)), 'the confirmation');
      const confirmation = (await mailTo(ada)).find((x) => /confirmed/i.test(x.subject))!;
      const ics = confirmation.attachments.find((x) => x.filename.endsWith('.ics'));
      expect(ics?.contentType).toContain('text/calendar');
      expect(ics!.content).toContain('BEGIN:VEVENT\r\n');
      expect(ics!.content).toContain(`UID:${a.id}@tempus\r\n`);
      expect(ics!.content).toContain(`DTSTART:${a.start.replace(/[-:]/g, '').replace(/\.\d{3}/, '')}\r\n`);
      expect(ics!.content).toMatch(/LOCATION:Test Clinic/);

      // B is cancelled at once: a notice, and its reminder is recorded skipped when due.
      const bReminder = (await reminderIds(b.id))[0]!;
      expect((await action(t, f.auth, b.id, 'cancel', { reason: 'called in' })).statusCode).toBe(200);

      // C moves 15 s later: the old reminder skips itself, the new one goes out with the new time.
      const cOldReminder = (await reminderIds(c.id))[0]!;
      const cNewStart = new Date(new Date(c.start).getTime() + 15_000);
      expect((await action(t, f.auth, c.id, 'reschedule', { start: cNewStart.toISOString() })).statusCode).toBe(200);
      const cNewReminder = (await reminderIds(c.id)).find((m) => m.payload.version === 2)!;
      expect(cNewReminder.payload.scheduledStart).toBe(cNewStart.toISOString());

      // A's reminder is sent once it is due.
      const aReminder = (await reminderIds(a.id))[0]!;
      await eventually(() => mailTo(ada), (m) => m.some((x) => /reminder/i.test(x.subject)), "A's reminder", 60_000);
      // Not before it was due: the email job fanned out from the reminder was sent after the reminder's available_at.
      const [aSent] = await eventually(
        () =>
          rawRows<{ sent_at: Date; status: string }>(
            t.deps.database.db,
            sql`select sent_at, status from notification_deliveries where source_message_id = ${aReminder.id}::uuid and channel = 'email'`,
          ),
        (rows) => rows[0]?.status === 'sent',
        "A's reminder delivery line",
      );
      expect(aSent!.sent_at.getTime()).toBeGreaterThanOrEqual(aReminder.available_at.getTime());

      await eventually(() => delivery(bReminder.id), (d) => d?.status === 'skipped', "B's skipped reminder", 60_000);
      expect((await delivery(bReminder.id))!.last_error).toMatch(/cancelled/);
      await eventually(() => delivery(cOldReminder.id), (d) => d?.status === 'skipped', "C's stale reminder", 60_000);
      expect((await delivery(cOldReminder.id))!.last_error).toMatch(/rescheduled/);
      await eventually(() => mailTo(cyEmail), (m) => m.some((x) => /reminder/i.test(x.subject)), "C's new reminder", 60_000);

      // Everything settled: every mail exactly once, none for B's reminder.
      await eventually(() => mailTo(bobEmail), (m) => m.some((x) => /cancelled/i.test(x.subject)), "B's cancellation notice");
      await eventually(() => mailTo(cyEmail), (m) => m.some((x) => /moved/i.test(x.subject)), "C's reschedule notice");
      const kinds = async (address: string) =>
        (await mailTo(address)).map((m) => /confirmed/i.exec(m.subject)?.[0] ?? /reminder|cancelled|moved/i.exec(m.subject)?.[0] ?? m.subject).map((k) => k.toLowerCase()).sort();
      expect(await kinds(ada)).toEqual(['confirmed', 'reminder']);
      expect(await kinds(bobEmail)).toEqual(['cancelled', 'confirmed']);
      expect(await kinds(cyEmail)).toEqual(['confirmed', 'moved', 'reminder']);
      // C's reminder job carries the new time.
      const [cJob] = await rawRows<{ payload: { data: { start: string } } }>(
        t.deps.database.db,
        sql`select payload from outbox where queue = 'email_notifications' and payload->>'sourceMessageId' = ${cNewReminder.id}`,
      );
      expect(cJob!.payload.data.start).toBe(cNewStart.toISOString());
    },
    150_000,
  );
});
