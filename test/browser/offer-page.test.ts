/// <reference lib="dom" />
/**
 * The offer page (/offers/<token>) in a real browser, opened from the link in
 * the waitlist offer email as the patient got it (the SMTP peer on the
 * services target, the .eml files embedded): a patient waits, a booking is
 * cancelled, the offer engine offers the freed slot; accepting books it,
 * declining passes it on; and a patient joins the waiting list from the
 * manage page, then takes the earlier time their later visit moves to.
 */
import { describe, expect, it } from 'vitest';
import { action, addPatient, appointmentTestEnv, bookingFixture, bookOk, daysAheadAt, type BookingFixture } from '../helpers/appointment-factories.ts';
import { hasChromium, openBrowser, scrollWidth, tabTo } from '../helpers/browser.ts';
import { uniqueEmail } from '../helpers/factories.ts';
import { MANAGE_LINK, OFFER_LINK, useMailApp } from '../helpers/mailbox.ts';

const localDate = (days: number) => daysAheadAt(days, 0).toISOString().slice(0, 10);

/** A local date as the Spanish page writes it ("jueves, 3 de diciembre"). */
const spanishDay = (isoDate: string) => new Intl.DateTimeFormat('es', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long' }).format(new Date(`${isoDate}T12:00:00Z`));

describe.skipIf(!hasChromium)('offer page in Chromium', { timeout: 120_000 }, () => {
  const m = useMailApp(appointmentTestEnv, { serve: true });

  /** A patient with this email on the waitlist for the fixture's doctor (staff add them). */
  async function waiting(f: BookingFixture, name: string): Promise<{ id: string; email: string }> {
    const email = uniqueEmail(name.toLowerCase());
    const id = await addPatient(m.t, f.auth, { name, email, notificationChannel: 'email' });
    const res = await m.t.app.inject({ method: 'POST', url: '/v1/waitlist', headers: f.auth, payload: { patientId: id, doctorId: f.doctorId, earliest: localDate(1), latest: localDate(20) } });
    expect(res.statusCode, res.body).toBe(201);
    return { id, email };
  }

  /** Books the fixture's own patient at `start` and cancels it: the freed slot goes to the waitlist. */
  async function freeSlot(f: BookingFixture, start: Date): Promise<void> {
    const booked = await bookOk(m.t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: start.toISOString(), durationMinutes: 30 });
    expect((await action(m.t, f.auth, booked.id, 'cancel', { reason: 'Cannot come' })).statusCode).toBe(200);
  }

  const appointmentsOf = async (f: BookingFixture, patientId: string) => {
    const res = await m.t.app.inject({ method: 'GET', url: `/v1/appointments?patientId=${patientId}`, headers: f.auth });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as { id: string; start: string; status: string; doctorId: string }[];
  };

  it('shows the offered time and books it on accept (English, keyboard)', async () => {
    const f = await bookingFixture(m.t, { timezone: 'Europe/Berlin' });
    const ada = await waiting(f, 'Ada');
    const slot = daysAheadAt(4, 10);
    await freeSlot(f, slot);
    const url = await m.pageLink(ada.email, OFFER_LINK, 'an offer link');

    const b = await openBrowser(m.origin);
    try {
      const page = b.page;
      const res = await page.goto(url);
      expect(res?.headers()['cache-control']).toBe('no-store');
      expect(res?.headers()['referrer-policy']).toBe('no-referrer');
      await page.getByRole('heading', { level: 1, name: 'Test Clinic' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'An earlier time for you' }).waitFor();
      expect(await page.locator('#offer-doctor').textContent()).toBe('Dr. Test');
      const when = new Intl.DateTimeFormat('en-US', { dateStyle: 'full', timeStyle: 'short', timeZone: 'Europe/Berlin' }).format(slot);
      expect(await page.locator('#offer-when').textContent()).toBe(when);
      expect(await page.locator('#offer-until').textContent()).toContain('We hold it for you until');
      await b.screenshot('offer-en');

      await tabTo(page, '#offer-accept');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 2, name: 'Your visit is booked' }).waitFor();
      await b.screenshot('offer-en-accepted');

      // The API agrees: Ada has the slot.
      const booked = await appointmentsOf(f, ada.id);
      expect(booked.map((a) => [a.start, a.status, a.doctorId])).toEqual([[slot.toISOString(), 'scheduled', f.doctorId]]);
      // A used link says so on a reload.
      await page.reload();
      await page.locator('#offer-gone, #offer-answered').first().waitFor();
      expect(b.offOrigin).toEqual([]);
    } finally {
      await b.close();
    }
  });

  it('declines in German at 375 px: the slot passes to the next patient waiting', async () => {
    const f = await bookingFixture(m.t, { timezone: 'Europe/Berlin' });
    const [bea, cem] = [await waiting(f, 'Bea'), await waiting(f, 'Cem')];
    await freeSlot(f, daysAheadAt(5, 9));
    const url = await m.pageLink(bea.email, OFFER_LINK, 'an offer link');

    const b = await openBrowser(m.origin, { locale: 'de-DE', viewport: { width: 375, height: 667 } });
    try {
      const page = b.page;
      await page.goto(url);
      await page.getByRole('heading', { level: 2, name: 'Ein früherer Termin für Sie' }).waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('de');
      expect(await scrollWidth(page)).toBeLessThanOrEqual(375);
      await b.screenshot('offer-de-375');
      await page.getByRole('button', { name: 'Nein, danke' }).click();
      await page.getByRole('heading', { level: 2, name: 'Sie haben diesen Termin abgelehnt. Sie bleiben auf der Warteliste.' }).waitFor();
      await b.screenshot('offer-de-375-declined');
      expect(b.offOrigin).toEqual([]);
    } finally {
      await b.close();
    }
    // Passed on: Cem gets the offer; Bea has booked nothing.
    await m.pageLink(cem.email, OFFER_LINK, 'the passed-on offer link');
    expect(await appointmentsOf(f, bea.id)).toEqual([]);
  });

  it('joins the waiting list from the manage page, then takes the earlier time: the visit moves (Spanish)', async () => {
    const email = uniqueEmail('dora');
    const f = await bookingFixture(m.t, { timezone: 'Europe/Berlin', patient: { name: 'Dora Espera', email, notificationChannel: 'email' } });
    const later = daysAheadAt(12, 9);
    const visit = await bookOk(m.t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: later.toISOString(), durationMinutes: 30 });
    const manageUrl = await m.pageLink(email, MANAGE_LINK, 'a manage link');

    const b = await openBrowser(m.origin, { locale: 'es-ES' });
    try {
      const page = b.page;
      await page.goto(manageUrl);
      await page.getByRole('heading', { level: 2, name: 'Su cita' }).waitFor();
      await page.getByRole('heading', { level: 3, name: 'Avíseme si se libera una hora antes' }).waitFor();
      // Labelled dates, filled with the API's defaults: today .. the day before the visit.
      expect(await page.getByLabel('Primer día').inputValue()).toBe(new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(new Date()));
      expect(await page.getByLabel('Último día').inputValue()).toBe(localDate(11));

      // A range the API refuses is said in words, next to the form.
      await page.getByLabel('Primer día').fill(localDate(8));
      await page.getByLabel('Último día').fill(localDate(6));
      await page.getByRole('button', { name: 'Apuntarme a la lista de espera' }).click();
      await page.locator('#waitlist-error').filter({ hasText: 'No pudimos apuntarle a la lista de espera.' }).waitFor();

      await page.getByLabel('Primer día').fill(localDate(1));
      await page.getByLabel('Último día').fill(localDate(11));
      await tabTo(page, '#join-waitlist');
      await page.keyboard.press('Enter');
      const joinedText = `Está en la lista de espera para una hora antes, del ${spanishDay(localDate(1))} al ${spanishDay(localDate(11))}.`;
      await page.locator('#waitlist-joined').filter({ hasText: joinedText }).waitFor();
      await b.screenshot('manage-es-waitlist-joined');
      // Back later, the page knows: the entry's dates, and no second join offered.
      await page.reload();
      await page.locator('#waitlist-joined').filter({ hasText: joinedText }).waitFor();
      expect(await page.locator('#join-waitlist').count()).toBe(0);
      expect(b.offOrigin).toEqual([]);
    } finally {
      await b.close();
    }
    const entries = await m.t.app.inject({ method: 'GET', url: `/v1/waitlist?patientId=${f.patientId}`, headers: f.auth });
    expect(entries.json().data.map((e: Record<string, unknown>) => [e.source, e.doctorId, e.earliest, e.latest])).toEqual([['patient', f.doctorId, localDate(1), localDate(11)]]);

    // Someone else's earlier visit is cancelled: Dora is offered it and accepts on the offer page.
    const filler = await addPatient(m.t, f.auth, { name: 'Filler', email: uniqueEmail('filler'), notificationChannel: 'email' });
    const earlier = daysAheadAt(3, 11);
    const freed = await bookOk(m.t, f.auth, { doctorId: f.doctorId, patientId: filler, start: earlier.toISOString(), durationMinutes: 30 });
    expect((await action(m.t, f.auth, freed.id, 'cancel', {})).statusCode).toBe(200);
    const offerUrl = await m.pageLink(email, OFFER_LINK, 'an offer link');
    const o = await openBrowser(m.origin, { locale: 'es-ES' });
    try {
      await o.page.goto(offerUrl);
      await o.page.getByRole('button', { name: 'Reservar esta hora' }).click();
      await o.page.getByRole('heading', { level: 2, name: 'Su cita está reservada' }).waitFor();
      expect(o.offOrigin).toEqual([]);
    } finally {
      await o.close();
    }
    // Her visit moved into the earlier slot: still one appointment.
    const mine = await appointmentsOf(f, f.patientId);
    expect(mine.map((a) => [a.id, a.start, a.status])).toEqual([[visit.id, earlier.toISOString(), 'scheduled']]);
  });
});
