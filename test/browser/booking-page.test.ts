/// <reference lib="dom" />
/**
 * The patients' booking page in a real browser (headless Debian Chromium,
 * driven by playwright-core): served by the API process itself, only from its
 * own origin, in the visitor's language, by keyboard and at 375 px.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_CSP } from '../../src/http/web-app.routes.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { chromiumPath, focusVisible, hasChromium, openBrowser, scrollWidth, tabTo, unlabelledControls } from '../helpers/browser.ts';
import { registerHospital, type RegisteredHospital } from '../helpers/factories.ts';
import { createDoctor, everyDay, putSchedule, type TestDoctor } from '../helpers/scheduling-factories.ts';
import { createVisitType, type TestVisitType } from '../helpers/visit-factories.ts';

// One line, once (the embedded run), when there is no browser to drive.
if (!hasChromium && process.env.TEMPUS_TEST_TARGET !== 'services') console.warn(`browser tests skipped: no Chromium at ${chromiumPath} (set CHROMIUM_PATH)`);

describe.skipIf(!hasChromium)('booking page in Chromium', { timeout: 120_000 }, () => {
  let t: TestApp;
  let origin: string;
  let hospital: RegisteredHospital;
  let doctors: TestDoctor[];
  let checkup: TestVisitType;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    hospital = await registerHospital(t, { name: 'Clínica Sol', timezone: 'Europe/Madrid', phone: '+34910000000' });
    doctors = [await createDoctor(t, hospital.auth, { name: 'Dr. Ana Ruiz', slotMinutes: 30 }), await createDoctor(t, hospital.auth, { name: 'Dr. Ben Vogel', slotMinutes: 30 })];
    for (const d of doctors) await putSchedule(t, hospital.auth, d.id, { weekly: everyDay('09:00', '12:00'), slotMinutes: 30 });
    checkup = await createVisitType(t, hospital.auth, { name: 'Check-up', durationMinutes: 30, doctorIds: doctors.map((d) => d.id) });
    await createVisitType(t, hospital.auth, { name: 'Internal review', durationMinutes: 30, doctorIds: [doctors[0]!.id], bookableOnline: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('says so in words when the address names no hospital', async () => {
    const b = await openBrowser(origin);
    try {
      await b.page.goto(`${origin}/book/no-such-hospital-here`);
      await b.page.getByRole('alert').filter({ hasText: 'We could not find this hospital. Please check the address.' }).waitFor();
      expect(await b.page.getByRole('heading', { level: 1 }).textContent()).toBe('Book a visit');
      expect(b.offOrigin).toEqual([]);
    } finally {
      await b.close();
    }
  });

  it('serves the shell with a strict CSP, in the language the browser asks for, and nothing from another origin', async () => {
    const b = await openBrowser(origin, { locale: 'es-ES' });
    try {
      const res = await b.page.goto(`${origin}/book/${hospital.subdomain}`);
      expect(res?.status()).toBe(200);
      expect(res?.headers()['content-security-policy']).toBe(WEB_CSP);
      for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"]) {
        expect(WEB_CSP).toContain(directive);
      }
      expect(res?.headers()['referrer-policy']).toBe('no-referrer');
      await b.page.getByRole('heading', { level: 1, name: 'Clínica Sol' }).waitFor();
      expect(await b.page.getAttribute('html', 'lang')).toBe('es');
      await b.page.getByRole('heading', { level: 2, name: 'Reservar una cita' }).waitFor();
      await b.page.getByLabel('Tipo de cita').waitFor();
      // Only the online visit type is offered.
      const options = await b.page.locator('#visit-type option').allTextContents();
      expect(options.some((o) => o.startsWith('Check-up'))).toBe(true);
      expect(options.some((o) => o.startsWith('Internal review'))).toBe(false);
      await b.page.locator('.slot').first().waitFor();
      await b.screenshot('book-es');
      // The switch turns the page German without a reload, and the choice survives one.
      await b.page.getByRole('button', { name: 'Deutsch' }).click();
      await b.page.getByRole('heading', { level: 2, name: 'Termin buchen' }).waitFor();
      expect(await b.page.getAttribute('html', 'lang')).toBe('de');
      await b.page.reload();
      await b.page.getByRole('heading', { level: 2, name: 'Termin buchen' }).waitFor();
      expect(b.offOrigin).toEqual([]);
    } finally {
      await b.close();
    }
  });

  it('lists the real free times for a visit type with any doctor, and for one doctor', async () => {
    const b = await openBrowser(origin);
    try {
      await b.page.goto(`${origin}/book/${hospital.subdomain}`);
      await b.page.locator('.slot').first().waitFor();
      // "Any doctor": each time names its doctor, and the first day's times are the API's.
      const firstDay = await b.page.locator('button[id^="day-"][aria-pressed="true"]').getAttribute('id');
      const day = firstDay!.slice(4);
      const api = await t.app.inject({ url: `/v1/public/hospitals/${hospital.subdomain}/visit-types/${checkup.id}/availability?from=${day}&to=${day}` });
      const expected = (api.json().data.slots as { start: string }[]).length;
      expect(await b.page.locator('.slot').count()).toBe(expected);
      expect(await b.page.locator('.slot').first().textContent()).toMatch(/with Dr\. (Ana Ruiz|Ben Vogel)/);
      await b.page.getByLabel('Doctor').selectOption({ label: 'Dr. Ben Vogel' });
      await b.page.waitForFunction(() => document.querySelectorAll('.slot').length > 0 && !document.querySelector('.slot')!.textContent!.includes(' with '));
      await b.page.getByRole('button', { name: 'Later days' }).click();
      await b.page.locator('.slot').first().waitFor();
      await b.screenshot('book-en-doctor');
      expect(b.offOrigin).toEqual([]);
    } finally {
      await b.close();
    }
  });

  it('fits a 375 px screen without horizontal scrolling', async () => {
    const b = await openBrowser(origin, { viewport: { width: 375, height: 667 } });
    try {
      await b.page.goto(`${origin}/book/${hospital.subdomain}`);
      await b.page.locator('.slot').first().waitFor();
      expect(await scrollWidth(b.page)).toBeLessThanOrEqual(375);
      await b.screenshot('book-375');
    } finally {
      await b.close();
    }
  });

  it('is usable by keyboard alone: every control in the tab order, labelled, with a visible focus ring', async () => {
    const b = await openBrowser(origin);
    try {
      await b.page.goto(`${origin}/book/${hospital.subdomain}`);
      await b.page.locator('.slot').first().waitFor();
      await tabTo(b.page, '#visit-type');
      expect(await focusVisible(b.page)).toBe(true);
      await tabTo(b.page, '#doctor');
      // Arrow keys change a closed select: the first named doctor.
      await b.page.keyboard.press('ArrowDown');
      await b.page.waitForFunction(() => (document.getElementById('doctor') as HTMLSelectElement).selectedIndex === 1);
      await b.page.locator('.slot').first().waitFor();
      await tabTo(b.page, 'button[id^="day-"]');
      expect(await focusVisible(b.page)).toBe(true);
      await tabTo(b.page, '.slot');
      expect(await focusVisible(b.page)).toBe(true);
      // Every form control has a label.
      expect(await unlabelledControls(b.page)).toEqual([]);
      await b.screenshot('book-keyboard');
    } finally {
      await b.close();
    }
  });
});
