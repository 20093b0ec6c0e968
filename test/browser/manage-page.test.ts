/// <reference lib="dom" />
/**
 * The manage page (/manage/<token>) in a real browser, opened from the link in
 * the confirmation email as the patient got it (the SMTP peer on the services
 * target, the .eml files embedded): see the visit, move it, cancel it after a
 * second yes; too close to the start it says so; a dead link says so.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { appointmentTestEnv, bookingFixture, bookOk, daysAheadAt, minutesFromNow, type BookingFixture } from '../helpers/appointment-factories.ts';
import { hasChromium, openBrowser, scrollWidth } from '../helpers/browser.ts';
import { uniqueEmail } from '../helpers/factories.ts';
import { MANAGE_LINK, useMailApp } from '../helpers/mailbox.ts';

describe.skipIf(!hasChromium)('manage page in Chromium', { timeout: 120_000 }, () => {
  const m = useMailApp(appointmentTestEnv, { serve: true });

  /** A visit booked by staff for a patient with this email, and the page address of its emailed manage link. */
  async function bookedWithLink(start: Date, patientName: string): Promise<{ f: BookingFixture; email: string; url: string }> {
    const email = uniqueEmail('manage');
    const f = await bookingFixture(m.t, { timezone: 'Europe/Berlin', patient: { name: patientName, email, notificationChannel: 'email' } });
    await bookOk(m.t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: start.toISOString() });
    return { f, email, url: await m.pageLink(email, MANAGE_LINK, 'a manage link') };
  }

  it('shows the visit, moves it to a new time and cancels it after a second yes; then the link is dead', async () => {
    const { url } = await bookedWithLink(daysAheadAt(6, 9), 'Mia Manage');
    const b = await openBrowser(m.origin);
    try {
      const page = b.page;
      const res = await page.goto(url);
      expect(res?.headers()['cache-control']).toBe('no-store');
      expect(res?.headers()['referrer-policy']).toBe('no-referrer');
      await page.getByRole('heading', { level: 1, name: 'Test Clinic' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'Your visit' }).waitFor();
      expect(await page.locator('#visit-status').textContent()).toBe('Booked');
      await page.locator('#changeable-until').waitFor();
      const before = await page.locator('#visit-when').textContent();
      await b.screenshot('manage-en');

      await page.getByRole('button', { name: 'Change the time' }).click();
      await page.getByRole('heading', { name: 'Choose a new time' }).waitFor();
      // Two weeks on: still outside the cancellation notice after the move.
      await page.locator('.slot').first().waitFor();
      await page.getByRole('button', { name: 'Later days' }).click();
      await page.locator('button[id^="day-"][aria-pressed="true"]').waitFor();
      await page.locator('.slot').nth(3).click();
      await page.locator('#notice').filter({ hasText: 'Your visit has been moved' }).waitFor();
      expect(await page.locator('#visit-when').textContent()).not.toBe(before);

      await page.getByRole('button', { name: 'Cancel the visit' }).click();
      await page.getByRole('heading', { name: 'Do you really want to cancel this visit?' }).waitFor();
      // "No" keeps it.
      await page.getByRole('button', { name: 'No, keep it' }).click();
      expect(await page.locator('#visit-status').textContent()).toBe('Booked');
      await page.getByRole('button', { name: 'Cancel the visit' }).click();
      await page.getByRole('button', { name: 'Yes, cancel it' }).click();
      await page.getByRole('heading', { name: 'Your visit is cancelled.' }).waitFor();
      expect(await page.locator('#visit-status').textContent()).toBe('Cancelled');
      await b.screenshot('manage-en-cancelled');
      await page.reload();
      await page.getByText('This link is not valid any more').waitFor();
      expect(b.offOrigin).toEqual([]);
    } finally {
      await b.close();
    }
  });

  it('explains, in Spanish and at 375 px, that a visit too close to its start cannot be changed online', async () => {
    // Inside the default notice (cancellationNoticeMinutes 1440): no cancel, no move.
    const { url, f } = await bookedWithLink(minutesFromNow(180, 30), 'Lola Tarde');
    await m.t.deps.database.db.execute(sql`update hospitals set phone = '+4930123456' where id = ${f.hospital.id}::uuid`);
    const b = await openBrowser(m.origin, { locale: 'es-ES', viewport: { width: 375, height: 667 } });
    try {
      const page = b.page;
      await page.goto(url);
      await page.getByRole('heading', { level: 2, name: 'Su cita' }).waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('es');
      // With the number to call, from the manage view's hospital.
      expect(await page.locator('#too-late').textContent()).toBe('Ya es tarde para cambiar esta cita en línea. Llame al hospital al +4930123456.');
      expect(await page.getByRole('button', { name: 'Cancelar la cita' }).count()).toBe(0);
      // The API agrees, in its own words: 422 TOO_LATE_TO_CHANGE.
      const token = new URL(url).pathname.split('/manage/')[1]!;
      const refused = await m.t.app.inject({ method: 'POST', url: `/v1/public/manage/${token}/cancel`, payload: {} });
      expect(refused.statusCode).toBe(422);
      expect(refused.json().code).toBe('TOO_LATE_TO_CHANGE');
      expect(await scrollWidth(page)).toBeLessThanOrEqual(375);
      await b.screenshot('manage-es-375-too-late');
      expect(b.offOrigin).toEqual([]);
    } finally {
      await b.close();
    }
  });
});
