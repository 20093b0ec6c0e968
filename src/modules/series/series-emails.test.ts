import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { appointmentTestEnv, bookingFixture, outboxFor } from '../../../test/helpers/appointment-factories.ts';
import { uniqueEmail } from '../../../test/helpers/factories.ts';
import { useMailApp } from '../../../test/helpers/mailbox.ts';
import { eventually } from '../../../test/helpers/messaging.ts';
import { bookSeriesOk } from '../../../test/helpers/series-factories.ts';
import { formatInstant } from '../notifications/templates.ts';

/**
 * A series' messages end to end (services target: outbox -> relay -> RabbitMQ
 * -> consumers -> SMTP peer; embedded: inline transport and .eml files): one
 * confirmation listing every date with that visit's own manage link, each
 * occurrence's own reminder when due (with its own link),
 * one summary when the series is cancelled, and no per-occurrence
 * confirmation or notice.
 */

const suite = useMailApp(appointmentTestEnv);
const { t } = suite;

/** The manage-link tokens in a message, in order. */
const manageTokensIn = (text: string) => [...text.matchAll(/\/manage\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g)].map((m) => m[1]!);

/** The appointment a manage token opens (GET /v1/public/manage/:token). */
async function viewed(token: string): Promise<string> {
  const res = await t.app.inject({ method: 'GET', url: `/v1/public/manage/${token}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data.id;
}

describe('series notifications end to end', () => {
  it(
    'one confirmation listing the dates, a reminder per occurrence, one cancellation summary',
    async () => {
      const email = uniqueEmail('series');
      const f = await bookingFixture(t, {
        timezone: 'Europe/Berlin',
        patient: { name: 'Sam Series', email, notificationChannel: 'email' },
        settings: { reminderOffsetsMinutes: [1] },
      });
      const first = new Date(Math.ceil((Date.now() + 70_000) / 1000) * 1000);
      const series = await bookSeriesOk(t, f.auth, {
        doctorId: f.doctorId,
        patientId: f.patientId,
        start: first.toISOString(),
        durationMinutes: 15,
        recurrence: { frequency: 'daily', count: 3 },
      });
      const mails = () => suite.mailTo(email);

      await eventually(mails, (m) => m.some((x) => /confirmed/i.test(x.subject)), 'the series confirmation');
      const confirmation = (await mails()).find((x) => /confirmed/i.test(x.subject))!;
      expect(confirmation.subject).toBe(`3 appointments confirmed from ${formatInstant(series.occurrences[0]!.start, 'Europe/Berlin')}`);
      for (const o of series.occurrences) expect(confirmation.text).toContain(formatInstant(o.start, 'Europe/Berlin'));
      // Each visit is listed with its own manage link, which opens that visit (and only it).
      const linked = await Promise.all(manageTokensIn(confirmation.text).map(viewed));
      expect(linked).toEqual(series.occurrences.map((o) => o.id));
      expect(confirmation.text).toContain('Change or cancel visit 3: ');

      // The first occurrence's reminder (due a minute before it) arrives like any appointment's.
      await eventually(mails, (m) => m.some((x) => /reminder/i.test(x.subject)), "the first occurrence's reminder", 60_000);
      // It carries the link of its own visit.
      const reminderMail = (await mails()).find((x) => /reminder/i.test(x.subject))!;
      expect(await Promise.all(manageTokensIn(reminderMail.text).map(viewed))).toEqual([series.occurrences[0]!.id]);
      const reminder = (await outboxFor(t, series.occurrences[0]!.id)).find((m) => m.type === 'appointment.reminder')!;
      const [sent] = await rawRows<{ status: string }>(
        t.deps.database.db,
        sql`select status from notification_deliveries where source_message_id = ${reminder.id}::uuid and channel = 'email'`,
      );
      expect(sent?.status).toBe('sent');

      const cancel = await t.app.inject({ method: 'POST', url: `/v1/appointment-series/${series.id}/cancel`, headers: f.auth, payload: { reason: 'Moved away' } });
      expect(cancel.statusCode).toBe(200);
      await eventually(mails, (m) => m.some((x) => /cancelled/i.test(x.subject)), 'the cancellation summary');
      const summary = (await mails()).find((x) => /cancelled/i.test(x.subject))!;
      expect(summary.subject).toMatch(/^3 appointments cancelled/);
      expect(summary.text).toContain('Reason: Moved away');

      // Exactly three emails: one confirmation, one reminder, one summary (none per occurrence).
      const subjects = (await mails()).map((m) => /confirmed|reminder|cancelled/i.exec(m.subject)?.[0]?.toLowerCase()).sort();
      expect(subjects).toEqual(['cancelled', 'confirmed', 'reminder']);
    },
    150_000,
  );
});
