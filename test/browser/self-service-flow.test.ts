/// <reference lib="dom" />
/**
 * A patient books, confirms, opens the manage link from the confirmation
 * email, moves the visit and cancels it — in a real browser (headless Debian
 * Chromium via playwright-core), reading the code and the link from the mail
 * as delivered (the SMTP peer on the services target, the .eml files embedded).
 * Once in English by keyboard alone, once in Spanish, once at 375 px.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { focusedId, focusVisible, hasChromium, openBrowser, scrollWidth, tabTo } from '../helpers/browser.ts';
import { registerHospital, uniqueEmail, type RegisteredHospital } from '../helpers/factories.ts';
import { MANAGE_LINK, useMailApp, type Mail } from '../helpers/mailbox.ts';
import { eventually } from '../helpers/messaging.ts';
import { createDoctor, everyDay, putSchedule } from '../helpers/scheduling-factories.ts';
import { createVisitType } from '../helpers/visit-factories.ts';

const CODE = /\b(\d{6})\b/;

describe.skipIf(!hasChromium)('self-service in Chromium: book, confirm, manage', { timeout: 120_000 }, () => {
  const m = useMailApp({}, { serve: true });
  let hospital: RegisteredHospital;

  beforeAll(async () => {
    hospital = await registerHospital(m.t, { name: 'Praxis Mitte', timezone: 'Europe/Berlin', phone: '+493000000000' });
    const doctor = await createDoctor(m.t, hospital.auth, { name: 'Dr. Clara Weiss', slotMinutes: 30 });
    await putSchedule(m.t, hospital.auth, doctor.id, { weekly: everyDay('08:00', '12:00'), slotMinutes: 30 });
    await createVisitType(m.t, hospital.auth, { name: 'Check-up', durationMinutes: 30, doctorIds: [doctor.id] });
  });

  const mailWith = (address: string, pattern: RegExp, what: string) =>
    eventually(
      () => m.mailTo(address),
      (mails: Mail[]) => mails.some((x) => pattern.test(x.text)),
      what,
    ).then((mails) => mails.filter((x) => pattern.test(x.text)));

  /** Past the cancellation notice: a day two weeks ahead, then its first time. */
  async function pickLaterSlot(page: Page, laterDays: string, nth = 0) {
    await page.locator('.slot').first().waitFor();
    await page.getByRole('button', { name: laterDays }).click();
    await page.locator('button[id^="day-"][aria-pressed="true"]').waitFor();
    await page.locator('.slot').nth(nth).click();
  }

  async function readCode(email: string): Promise<string> {
    const mails = await mailWith(email, CODE, `the code for ${email}`);
    return CODE.exec(mails.at(-1)!.text)![1]!;
  }

  const manageLink = (email: string) => m.pageLink(email, MANAGE_LINK, 'a manage link');

  it('books with the keyboard alone, then moves and cancels from the emailed link (English)', async () => {
    const b = await openBrowser(m.origin);
    const email = uniqueEmail('kb');
    try {
      const page = b.page;
      await page.goto(`${m.origin}/book/${hospital.subdomain}`);
      await page.locator('.slot').first().waitFor();
      await tabTo(page, '#later-days');
      await page.keyboard.press('Enter');
      await page.locator('.slot').first().waitFor();
      await tabTo(page, '.slot');
      expect(await focusVisible(page)).toBe(true);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Your details' }).waitFor();
      // The step's heading has focus; Tab walks the form in order.
      await tabTo(page, '#name');
      await page.keyboard.type('Kim Keyboard');
      await page.keyboard.press('Tab');
      expect(await focusedId(page)).toBe('email');
      await page.keyboard.type(email);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
      // A wrong code is explained and the form stays.
      await tabTo(page, '#code');
      await page.keyboard.type('000000');
      await page.keyboard.press('Enter');
      await page.getByRole('alert').filter({ hasText: /code is not right|no longer be used/ }).waitFor();
      await page.locator('#code').fill('');
      await page.locator('#code').focus();
      await page.keyboard.type(await readCode(email));
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Your visit is booked' }).waitFor();
      expect(await page.locator('#link-sent').textContent()).toContain(email);
      await b.screenshot('flow-en-booked');

      await page.goto(await manageLink(email));
      await page.getByRole('heading', { name: 'Your visit' }).waitFor();
      const before = await page.locator('#visit-when').textContent();
      await page.getByRole('button', { name: 'Change the time' }).click();
      // Two weeks on again: the moved visit stays outside the cancellation notice.
      await pickLaterSlot(page, 'Later days', 1);
      await page.locator('#notice').filter({ hasText: 'Your visit has been moved' }).waitFor();
      expect(await page.locator('#visit-when').textContent()).not.toBe(before);
      await b.screenshot('flow-en-moved');
      await page.getByRole('button', { name: 'Cancel the visit' }).click();
      await page.getByRole('heading', { name: 'Do you really want to cancel this visit?' }).waitFor();
      await page.getByRole('button', { name: 'Yes, cancel it' }).click();
      await page.getByRole('heading', { name: 'Your visit is cancelled.' }).waitFor();
      await b.screenshot('flow-en-cancelled');
      expect(b.offOrigin).toEqual([]);
    } finally {
      await b.close();
    }
  });

  it('speaks Spanish to a Spanish browser from booking to cancelling', async () => {
    const b = await openBrowser(m.origin, { locale: 'es-ES' });
    const email = uniqueEmail('es');
    try {
      const page = b.page;
      await page.goto(`${m.origin}/book/${hospital.subdomain}`);
      await page.getByRole('heading', { level: 2, name: 'Reservar una cita' }).waitFor();
      await pickLaterSlot(page, 'Días siguientes');
      await page.getByRole('heading', { name: 'Sus datos' }).waitFor();
      await page.getByLabel('Nombre completo').fill('Lucía Gómez');
      await page.getByLabel('Correo electrónico').fill(email);
      await page.getByRole('button', { name: 'Enviarme un código' }).click();
      await page.getByRole('heading', { name: 'Introduzca su código' }).waitFor();
      await page.getByLabel('Código de 6 cifras').fill(await readCode(email));
      await page.getByRole('button', { name: 'Confirmar la cita' }).click();
      await page.getByRole('heading', { name: 'Su cita está reservada' }).waitFor();
      await b.screenshot('flow-es-booked');
      await page.goto(await manageLink(email));
      await page.getByRole('heading', { name: 'Su cita' }).waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('es');
      await page.getByRole('button', { name: 'Cancelar la cita' }).click();
      await page.getByRole('button', { name: 'Sí, cancelarla' }).click();
      await page.getByRole('heading', { name: 'Su cita está cancelada.' }).waitFor();
      // The link is dead once the visit is cancelled.
      await page.reload();
      await page.getByText('Este enlace ya no es válido').waitFor();
      await b.screenshot('flow-es-cancelled');
      expect(b.offOrigin).toEqual([]);
    } finally {
      await b.close();
    }
  });

  it('works on a 375 px phone screen without horizontal scrolling', async () => {
    const b = await openBrowser(m.origin, { viewport: { width: 375, height: 667 } });
    const email = uniqueEmail('phone');
    const noOverflow = () => scrollWidth(b.page);
    try {
      const page = b.page;
      await page.goto(`${m.origin}/book/${hospital.subdomain}`);
      await pickLaterSlot(page, 'Later days');
      await page.getByLabel('Full name').fill('Pat Phone');
      await page.getByLabel('Email').fill(email);
      expect(await noOverflow()).toBeLessThanOrEqual(375);
      await page.getByRole('button', { name: 'Send me a code' }).click();
      await page.getByLabel('6-digit code').fill(await readCode(email));
      await page.getByRole('button', { name: 'Confirm booking' }).click();
      await page.getByRole('heading', { name: 'Your visit is booked' }).waitFor();
      expect(await noOverflow()).toBeLessThanOrEqual(375);
      await b.screenshot('flow-375-booked');
      await page.goto(await manageLink(email));
      await page.getByRole('button', { name: 'Cancel the visit' }).click();
      expect(await noOverflow()).toBeLessThanOrEqual(375);
      await page.getByRole('button', { name: 'Yes, cancel it' }).click();
      await page.getByRole('heading', { name: 'Your visit is cancelled.' }).waitFor();
      await b.screenshot('flow-375-cancelled');
      expect(b.offOrigin).toEqual([]);
    } finally {
      await b.close();
    }
  });
});
