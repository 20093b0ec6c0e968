/**
 * Patients' languages end to end (SPEC section 15 "Languages"): a patient's
 * `language`, else the hospital's `defaultLanguage`, else English, chooses the
 * words and the date format of every email and SMS about their appointments;
 * the times stay in the hospital's zone. The messages are read where the
 * patient would find them: the SMTP peer or the .eml files, the SMS peer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appointmentTestEnv, bookingFixture, bookOk, daysAheadAt, updateSettings } from '../../../test/helpers/appointment-factories.ts';
import { uniqueEmail } from '../../../test/helpers/factories.ts';
import { useMailApp, type Mail } from '../../../test/helpers/mailbox.ts';
import { eventually } from '../../../test/helpers/messaging.ts';
import { parseInvite } from '../../../test/helpers/ical.ts';
import { useSmsPlan } from '../../../test/helpers/plan-factories.ts';
import { startSmsPeer, type SmsPeer } from '../../../test/helpers/sms-peer.ts';
import { createPatient } from '../../../test/helpers/scheduling-factories.ts';

let smsPeer: SmsPeer;
// Registered before the mail app's hooks: the peer is up before the app names it, and closes after it.
beforeAll(async () => {
  smsPeer = await startSmsPeer();
});
afterAll(async () => {
  await smsPeer?.close();
});
const suite = useMailApp(() => ({
  ...appointmentTestEnv,
  SMS_PROVIDER_URL: smsPeer.url,
  SMS_ACCOUNT_SID: 'AC0123456789',
  SMS_AUTH_TOKEN: 'test-token',
  SMS_FROM: '+15005550006',
}));
const { t } = suite;

/** What the reader should see for an instant: Intl's own formatting for the language, in the zone, the zone named. */
const written = (at: Date, language: string, timeZone: string) =>
  `${new Intl.DateTimeFormat(language, { timeZone, dateStyle: 'full', timeStyle: 'short' }).format(at)} (${timeZone})`;

async function confirmationTo(address: string): Promise<Mail> {
  const [mail] = await eventually(() => suite.mailTo(address), (m) => m.length > 0, `the confirmation to ${address}`, 30_000);
  return mail!;
}

/** Books one appointment for a new patient of a new hospital; the confirmation goes out in the patient's channel. */
async function bookFor(options: { timezone: string; patient: Record<string, string>; defaultLanguage?: string }) {
  const f = await bookingFixture(t, { timezone: options.timezone, patient: options.patient });
  if (options.defaultLanguage) await updateSettings(t, f.auth, { defaultLanguage: options.defaultLanguage });
  const start = daysAheadAt(5, 15);
  await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: start.toISOString(), durationMinutes: 30 });
  return { ...f, start };
}

describe("messages in the patient's language", () => {
  it('writes a Spanish patient a Spanish confirmation, the date in Spanish in the hospital zone', async () => {
    const email = uniqueEmail('sofia');
    const { start } = await bookFor({ timezone: 'America/Mexico_City', patient: { name: 'Sofía', email, notificationChannel: 'email', language: 'es' } });
    const mail = await confirmationTo(email);
    expect(mail.subject).toBe(`Cita confirmada: ${written(start, 'es', 'America/Mexico_City')}`);
    expect(mail.text).toContain('Hola, Sofía:');
    expect(mail.text).toContain(`Cuándo: ${written(start, 'es', 'America/Mexico_City')}`);
    expect(mail.text).toContain('Enviado por Tempus en nombre de su centro médico.');
    expect(mail.html).toContain('<html lang="es">');
    // The calendar file speaks Spanish too (read by ical.js).
    const [ics] = mail.attachments.filter((a) => a.contentType === 'text/calendar');
    expect(parseInvite(ics!.content).summary).toMatch(/^Cita con \S/);
  });

  it('sends a German patient a German SMS', async () => {
    const phone = '+4915550100123';
    const f = await bookingFixture(t, { timezone: 'Europe/Berlin', patient: { name: 'Jonas', phone, notificationChannel: 'sms', language: 'de-AT' } });
    await useSmsPlan(t, f.hospital.id);
    const start = daysAheadAt(5, 15);
    await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: start.toISOString(), durationMinutes: 30 });
    const [sms] = await eventually(async () => smsPeer.accepted(phone), (r) => r.length > 0, 'the SMS', 30_000);
    // de-AT reads the German catalog; the date is de-AT's own.
    expect(sms!.form.Body).toMatch(/^[^:]+: Ihr Termin bei .+ am .+ ist bestätigt\. Termin ändern oder absagen: http\S+\/manage\/\S+$/);
    expect(sms!.form.Body).toContain(` am ${written(start, 'de-AT', 'Europe/Berlin')} ist bestätigt.`);
  });

  it("writes a patient without a language in the hospital's defaultLanguage", async () => {
    const email = uniqueEmail('lena');
    const { start } = await bookFor({ timezone: 'Europe/Berlin', patient: { name: 'Lena', email, notificationChannel: 'email' }, defaultLanguage: 'de' });
    const mail = await confirmationTo(email);
    expect(mail.subject).toBe(`Termin bestätigt: ${written(start, 'de', 'Europe/Berlin')}`);
    expect(mail.html).toContain('<html lang="de">');
  });

  it('falls back to English for a language without a catalog, whatever the hospital default', async () => {
    const email = uniqueEmail('amelie');
    const { start } = await bookFor({ timezone: 'Europe/Paris', patient: { name: 'Amélie', email, notificationChannel: 'email', language: 'fr' }, defaultLanguage: 'es' });
    const mail = await confirmationTo(email);
    expect(mail.subject).toBe(`Appointment confirmed: ${written(start, 'en', 'Europe/Paris')}`);
    expect(mail.text).toContain('Hello Amélie,');
    expect(parseInvite(mail.attachments.find((a) => a.contentType === 'text/calendar')!.content).summary).toMatch(/^Appointment with \S/);
    expect(mail.html).toContain('<html lang="en">');
  });
});

describe('language settings', () => {
  it('stores canonical BCP 47 tags, clears them with null, and refuses anything else with a 400 naming the field', async () => {
    const f = await bookingFixture(t);
    const patient = await createPatient(t, f.auth, { name: 'Tag Test', language: 'ES-mx' });
    const get = async () => (await t.app.inject({ method: 'GET', url: `/v1/patients/${patient.id}`, headers: f.auth })).json().data;
    expect((await get()).language).toBe('es-MX');
    const patch = (payload: object) => t.app.inject({ method: 'PATCH', url: `/v1/patients/${patient.id}`, headers: f.auth, payload });
    expect((await patch({ language: null })).json().data.language).toBeNull();

    for (const bad of ['e', 'english please', 'es_', '12', 'x'.repeat(36), 'es-MX-toolongsubtag']) {
      const created = await t.app.inject({ method: 'POST', url: '/v1/patients', headers: f.auth, payload: { name: 'Bad Tag', language: bad } });
      expect(created.statusCode, bad).toBe(400);
      expect(created.json(), bad).toMatchObject({ code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'language' })] } });
      expect((await patch({ language: bad })).statusCode, bad).toBe(400);
    }
    // Shaped like a tag, not one (two regions): the service's own check answers alike.
    const singleton = await patch({ language: 'en-US-US' });
    expect(singleton.statusCode).toBe(400);
    expect(singleton.json()).toMatchObject({ code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'language' })] } });

    const settings = (payload: object) => t.app.inject({ method: 'PATCH', url: '/v1/hospitals/me/settings', headers: f.auth, payload });
    expect((await settings({ defaultLanguage: 'DE' })).json().data.defaultLanguage).toBe('de');
    expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me/settings', headers: f.auth })).json().data.defaultLanguage).toBe('de');
    const refused = await settings({ defaultLanguage: 'no such language!' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'defaultLanguage' })] } });
  });
});
