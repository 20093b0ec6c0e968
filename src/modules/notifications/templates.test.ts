import { describe, expect, it } from 'vitest';
import { loadConfig, type ConfigError } from '../../config.ts';
import { classifySmtpError } from '../../infra/mail/mailer.ts';
import { backoffDelay } from '../../infra/queue/backoff.ts';
import { PermanentError, TransientError } from '../../infra/queue/errors.ts';
import { emailTemplates } from './contracts.ts';
import { createMessagingRegistry, type EventResolver } from './registry.ts';
import { derivedId } from './ids.ts';
import { decideChannel } from './notifications.consumer.ts';
import { visibleLines } from '../../../test/helpers/email-layout.ts';
import { renderEmail, renderSms } from './templates.ts';
import { en } from './i18n/en.ts';
import { calendarText } from './i18n/index.ts';
import type { Catalog } from './i18n/types.ts';

const appointment = {
  hospitalName: 'Lakeside <Clinic>',
  doctorName: 'Dr. Ada Lovelace',
  patientName: 'Grace',
  start: '2030-03-31T07:00:00Z',
  end: '2030-03-31T07:30:00Z',
  timezone: 'Europe/Berlin',
  appointmentId: '7d0c3a56-4f3b-4d7e-9a3c-2f1e0b9c8d7a',
  previousStart: '2030-03-30T07:00:00Z',
};

const dataFor: Record<string, Record<string, unknown>> = {
  welcome: { hospitalName: 'Lakeside <Clinic>', subdomain: 'lakeside' },
  otp: { code: '123456', expiresInMinutes: 5 },
  invitation: { hospitalName: 'Lakeside <Clinic>', role: 'staff', acceptUrl: 'https://app.example.test/invitations/abc' },
  appointment_confirmation: appointment,
  appointment_reminder: appointment,
  appointment_cancelled: { ...appointment, cancelReason: 'Doctor unavailable' },
  appointment_rescheduled: appointment,
  webhook_disabled: {
    hospitalName: 'Lakeside <Clinic>',
    url: 'https://hooks.example.test/tempus',
    endpointId: '2b1f7e2a-9c4d-4e0b-8f6a-1d2c3b4a5e6f',
    failingSince: '2030-03-28T07:00:00Z',
    disabledAt: '2030-03-31T07:00:00Z',
  },
  series_confirmation: { ...appointment, occurrences: [{ start: '2030-03-24T08:00:00Z' }, { start: '2030-03-31T07:00:00Z' }] },
  series_cancelled: { ...appointment, occurrences: [{ start: '2030-03-31T07:00:00Z' }], cancelReason: 'Treatment finished' },
  waitlist_offer: {
    ...appointment,
    visitTypeName: 'Check-up',
    offerUrl: 'https://book.example.test/manage/offer-token',
    expiresAt: '2030-03-30T16:15:00Z',
  },
};

describe('email templates', () => {
  it.each(emailTemplates)('%s renders a subject, a text part and an HTML part', (template) => {
    const email = renderEmail(template, dataFor[template]);
    expect(email.subject.length).toBeGreaterThan(5);
    expect(email.text.length).toBeGreaterThan(20);
    expect(email.html).toMatch(/^<!doctype html>/);
    // Names are data, never markup.
    expect(email.html).not.toContain('<Clinic>');
    if (JSON.stringify(dataFor[template]).includes('Lakeside')) expect(email.html).toContain('Lakeside &lt;Clinic&gt;');
  });

  it('writes appointment times in the hospital time zone, across a DST change', () => {
    // 31 March 2030 is after the switch to CEST in Berlin: 07:00Z is 09:00 local.
    expect(renderEmail('appointment_reminder', appointment).subject).toBe('Reminder: appointment on Sunday, March 31, 2030 at 9:00 AM (Europe/Berlin)');
    expect(renderEmail('appointment_rescheduled', appointment).text).toContain('Saturday, March 30, 2030 at 8:00 AM (Europe/Berlin)');
  });

  it('puts the OTP code and its expiry in the email', () => {
    const email = renderEmail('otp', { code: '004217', expiresInMinutes: 5 });
    expect(email.text).toContain('004217');
    expect(email.text).toContain('5 minutes');
  });

  it('lays out When / With / Where on lines of their own, in the HTML (table rows) and the text', () => {
    const when = 'Sunday, March 31, 2030 at 9:00 AM (Europe/Berlin)';
    for (const template of ['appointment_confirmation', 'appointment_reminder', 'appointment_cancelled', 'appointment_rescheduled'] as const) {
      const email = renderEmail(template, { ...appointment, location: 'Lakeside Clinic, 1 Lake Rd' });
      const lines = visibleLines(email.html);
      expect(lines, template).toEqual(expect.arrayContaining([`When ${when}`, 'With Dr. Ada Lovelace', 'Where Lakeside Clinic, 1 Lake Rd']));
      expect(email.text.split('\n'), template).toEqual(expect.arrayContaining([`When: ${when}`, 'With: Dr. Ada Lovelace', 'Where: Lakeside Clinic, 1 Lake Rd']));
    }
  });

  it("writes the invitation's expiry in the hospital's zone, naming it", () => {
    const data = { ...dataFor.invitation, expiresAt: '2030-03-31T21:30:00Z' };
    expect(renderEmail('invitation', { ...data, timezone: 'America/New_York' }).text).toContain(
      'The invitation expires on Sunday, March 31, 2030 at 5:30 PM (America/New_York).',
    );
    expect(renderEmail('invitation', { ...data, timezone: 'Asia/Tokyo' }).text).toContain('expires on Monday, April 1, 2030 at 6:30 AM (Asia/Tokyo).');
  });

  it('names what a one-time code is for in words, not its machine code', () => {
    const email = renderEmail('otp', { code: '004217', purpose: 'hospital.update', hospitalName: 'Lakeside' });
    expect(email.text).toContain("Use this code to change your hospital's details (Lakeside):");
    expect(email.text + email.html).not.toContain('hospital.update');
  });

  it('passes the attachments through and mentions a calendar file only when there is one', () => {
    const invite = { filename: 'appointment.ics', content: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', contentType: 'text/calendar; method=REQUEST; charset=UTF-8' };
    const withFile = renderEmail('appointment_confirmation', appointment, [invite]);
    expect(withFile.attachments).toEqual([invite]);
    expect(withFile.text).toContain('The attached calendar file adds it to your calendar.');
    const without = renderEmail('appointment_confirmation', appointment);
    expect(without.attachments).toEqual([]);
    expect(without.text).not.toContain('calendar file');
    expect(renderEmail('appointment_cancelled', appointment, [{ ...invite, contentType: 'text/calendar; method=CANCEL; charset=UTF-8' }]).text).toContain(
      'removes it from your calendar',
    );
  });

  it('refuses data that breaks the template contract as a permanent failure naming the field', () => {
    expect(() => renderEmail('appointment_reminder', { hospitalName: 'X', start: 'tomorrow' })).toThrow(PermanentError);
    expect(() => renderEmail('appointment_reminder', { hospitalName: 'X', start: 'tomorrow' })).toThrow(/start/);
    expect(() => renderEmail('otp', { code: 'abc' })).toThrow(/code/);
  });

  it('renders short SMS bodies for every template', () => {
    for (const template of emailTemplates) {
      const body = renderSms(template, dataFor[template]);
      // An offer carries a link and two times (the slot, the end of its hold): two segments at most.
      expect(body.length, template).toBeLessThan(template === 'waitlist_offer' ? 306 : 200);
    }
    expect(renderSms('otp', { code: '123456' })).toBe('Your Tempus code is 123456. It expires in 5 min.');
  });
});


/** Templates a patient reads: written in their language. The others are for staff and stay English. */
const patientTemplates = emailTemplates.filter((t) => !['welcome', 'invitation', 'webhook_disabled'].includes(t));

describe('languages', () => {
  const inLanguage = (template: (typeof emailTemplates)[number], language: string, extra: Record<string, unknown> = {}) =>
    renderEmail(template, { ...dataFor[template], ...extra, language });
  /** Words of the English catalog that must not leak into another language's message (nor key names into any). */
  const englishOnly = /Hello|appointment|Sent by Tempus|When|Where|Reminder/;
  const keyNames = /\b(visitN|manageVisit|otherPurpose|undefined|null)\b|\[object|=>/;

  it.each(patientTemplates)('%s is written in Spanish and German, HTML lang included, no English words or key names', (template) => {
    for (const [language, footer] of [
      ['es', 'Enviado por Tempus en nombre de su centro médico.'],
      ['de', 'Von Tempus im Auftrag Ihrer Praxis versendet.'],
    ] as const) {
      const email = inLanguage(template, language);
      expect(email.html, `${template} ${language}`).toContain(`<html lang="${language}">`);
      expect(email.text).toContain(footer);
      expect(email.subject + email.text).not.toMatch(englishOnly);
      expect(email.subject + email.text + email.html).not.toMatch(keyNames);
      const sms = renderSms(template, { ...dataFor[template], language });
      expect(sms).not.toMatch(englishOnly);
      expect(sms).not.toMatch(keyNames);
    }
  });

  it('writes dates with Intl in the language and the hospital zone, across a DST change', () => {
    expect(inLanguage('appointment_confirmation', 'es').subject).toBe('Cita confirmada: domingo, 31 de marzo de 2030, 9:00 (Europe/Berlin)');
    expect(inLanguage('appointment_reminder', 'de').subject).toBe('Erinnerung: Termin am Sonntag, 31. März 2030 um 09:00 (Europe/Berlin)');
    // The day before the switch to CEST: 07:00Z is 08:00 in Berlin.
    expect(inLanguage('appointment_rescheduled', 'de').text).toContain('am Samstag, 30. März 2030 um 08:00 (Europe/Berlin) hat eine neue Zeit:');
    expect(inLanguage('appointment_confirmation', 'es', { timezone: 'America/Mexico_City' }).subject).toContain('domingo, 31 de marzo de 2030, 1:00 (America/Mexico_City)');
    expect(renderSms('appointment_confirmation', { ...appointment, language: 'de' })).toBe(
      'Lakeside <Clinic>: Ihr Termin bei Dr. Ada Lovelace am Sonntag, 31. März 2030 um 09:00 (Europe/Berlin) ist bestätigt.',
    );
  });

  it('lays out the facts in the language, one line each', () => {
    const email = inLanguage('appointment_confirmation', 'de', { location: 'Seeklinik, Seeweg 1', visitTypeName: 'Vorsorge' });
    expect(visibleLines(email.html)).toEqual(
      expect.arrayContaining(['Wann Sonntag, 31. März 2030 um 09:00 (Europe/Berlin)', 'Behandlung Vorsorge', 'Bei Dr. Ada Lovelace', 'Wo Seeklinik, Seeweg 1']),
    );
    expect(inLanguage('appointment_confirmation', 'es').text.split('\n')).toEqual(
      expect.arrayContaining(['Hola, Grace:', 'Cuándo: domingo, 31 de marzo de 2030, 9:00 (Europe/Berlin)', 'Con: Dr. Ada Lovelace']),
    );
  });

  it("reads a regional tag by its language and keeps the region's date format", () => {
    const mexico = inLanguage('appointment_confirmation', 'es-MX');
    expect(mexico.html).toContain('<html lang="es">');
    // es-MX writes the 12-hour clock ("9:00 a.m."), Spain's Spanish the 24-hour one.
    expect(mexico.subject).toMatch(/^Cita confirmada: domingo, 31 de marzo de 2030, 9:00\sa\.\s?m\. \(Europe\/Berlin\)$/);
    expect(inLanguage('appointment_reminder', 'de-AT').subject).toContain('Sonntag, 31. März 2030');
    expect(inLanguage('appointment_reminder', 'DE_at').text).toMatch(/^Terminerinnerung\n/);
  });

  it('falls back to English for an unknown, malformed or missing language, never to a key name', () => {
    const english = renderEmail('appointment_confirmation', appointment);
    for (const language of ['fr', 'fr-CA', 'zz', 'not a tag!', '']) {
      const email = renderEmail('appointment_confirmation', { ...appointment, language });
      expect(email, language).toEqual(english);
      expect(renderSms('appointment_reminder', { ...appointment, language })).toBe(renderSms('appointment_reminder', appointment));
    }
    expect(english.html).toContain('<html lang="en">');
    expect(english.subject).toBe('Appointment confirmed: Sunday, March 31, 2030 at 9:00 AM (Europe/Berlin)');
  });

  it('writes staff-facing templates in English whatever the language, dates included', () => {
    for (const template of ['welcome', 'invitation', 'webhook_disabled'] as const) {
      const email = renderEmail(template, { ...dataFor[template], language: 'de' });
      expect(email, template).toEqual(renderEmail(template, dataFor[template]));
      expect(email.html).toContain('<html lang="en">');
    }
  });

  it('says where to change or cancel, with the link, in email and SMS, in each language', () => {
    const manageUrl = 'https://book.example.test/manage/tok-123';
    const sentences = { en: 'Change or cancel your appointment: ', es: 'Cambie o cancele su cita: ', de: 'Termin ändern oder absagen: ' };
    for (const [language, sentence] of Object.entries(sentences)) {
      for (const template of ['appointment_confirmation', 'appointment_reminder', 'appointment_rescheduled'] as const) {
        const email = inLanguage(template, language, { manageUrl });
        expect(email.text, `${template} ${language}`).toContain(`${sentence}${manageUrl}`);
        expect(visibleLines(email.html)).toContain(`${sentence.trim()} ${manageUrl}`);
        expect(email.html).toContain(`<a href="${manageUrl}">`);
        expect(renderSms(template, { ...dataFor[template], manageUrl, language })).toContain(`${sentence}${manageUrl}`);
      }
      // No link in a message that has none, and none to a cancelled appointment (it is dead).
      expect(inLanguage('appointment_confirmation', language).text).not.toContain(sentence);
      expect(inLanguage('appointment_cancelled', language, { manageUrl }).text).not.toContain(manageUrl);
    }
  });

  it("links every visit of a series in the email and the first one in the SMS", () => {
    const occurrences = [
      { start: '2030-03-24T08:00:00Z', manageUrl: 'https://book.example.test/manage/one' },
      { start: '2030-03-31T07:00:00Z', manageUrl: 'https://book.example.test/manage/two' },
    ];
    const email = renderEmail('series_confirmation', { ...appointment, occurrences, language: 'es' });
    expect(email.text).toContain('Cambie o cancele la visita 1: https://book.example.test/manage/one');
    expect(email.text).toContain('Cambie o cancele la visita 2: https://book.example.test/manage/two');
    expect(email.text).toContain('Visita 1: domingo, 24 de marzo de 2030, 9:00 (Europe/Berlin)');
    const sms = renderSms('series_confirmation', { ...appointment, occurrences, language: 'en' });
    expect(sms).toContain('Change or cancel visit 1: https://book.example.test/manage/one');
    expect(sms).not.toContain('manage/two');
  });

  it('offers a freed slot with its link and the end of the hold, in each language', () => {
    const data = dataFor.waitlist_offer!;
    const english = renderEmail('waitlist_offer', data);
    expect(english.subject).toBe('An earlier time is free: Sunday, March 31, 2030 at 9:00 AM (Europe/Berlin)');
    expect(english.text).toContain('Accept or decline it here: https://book.example.test/manage/offer-token');
    expect(english.text).toContain('It is held for you until Saturday, March 30, 2030 at 5:15 PM (Europe/Berlin).');
    const spanish = renderEmail('waitlist_offer', { ...data, language: 'es' });
    expect(spanish.text).toContain('Acéptela o recházela aquí: https://book.example.test/manage/offer-token');
    expect(spanish.text).toContain('La reservamos para usted hasta el sábado, 30 de marzo de 2030, 17:15 (Europe/Berlin).');
    const german = renderEmail('waitlist_offer', { ...data, language: 'de' });
    expect(visibleLines(german.html)).toContain('Hier nehmen Sie ihn an oder lehnen ihn ab: https://book.example.test/manage/offer-token');
    expect(german.text).toContain('Wir halten ihn für Sie bis Samstag, 30. März 2030 um 17:15 (Europe/Berlin) frei.');
    for (const language of ['en', 'es', 'de']) {
      const sms = renderSms('waitlist_offer', { ...data, language });
      expect(sms).toContain('https://book.example.test/manage/offer-token');
      expect(sms).toContain(language === 'de' ? '17:15' : language === 'es' ? '17:15' : '5:15 PM');
    }
  });

  it('names the booking.confirm purpose of a code in each language', () => {
    const otp = (language: string) => renderEmail('otp', { code: '004217', purpose: 'booking.confirm', hospitalName: 'Lakeside', language }).text;
    expect(otp('en')).toContain('Use this code to confirm your booking (Lakeside):');
    expect(otp('es')).toContain('Use este código para confirmar su reserva (Lakeside):');
    expect(otp('de')).toContain('Mit diesem Code können Sie Ihre Buchung bestätigen (Lakeside):');
    expect(renderSms('otp', { code: '004217', language: 'es' })).toBe('Su código de Tempus es 004217. Caduca en 5 min.');
    for (const language of ['en', 'es', 'de']) expect(otp(language)).not.toContain('booking.confirm');
  });

  it("writes the calendar file's summary and description in the language, English for others", () => {
    const facts = { visitTypeName: 'MRI', doctorName: 'Dr. Ada Lovelace', hospitalName: 'Lakeside', rooms: 'Room 2' };
    expect(calendarText('es', facts)).toEqual({ summary: 'MRI con Dr. Ada Lovelace', description: 'Su cita (MRI) en Lakeside con Dr. Ada Lovelace (Room 2).' });
    expect(calendarText('de-AT', { ...facts, visitTypeName: null, rooms: null })).toEqual({ summary: 'Termin bei Dr. Ada Lovelace', description: 'Ihr Termin bei Dr. Ada Lovelace, Lakeside.' });
    expect(calendarText('fr', facts)).toEqual(calendarText(undefined, facts));
    expect(calendarText(undefined, facts).summary).toBe('MRI with Dr. Ada Lovelace');
  });

  it('makes a template missing from the English catalog a type error', () => {
    const { waitlist_offer: _dropped, ...rest } = en.email;
    // @ts-expect-error English must have every template (the other languages may fall back to it).
    const broken: Catalog = { ...en, email: rest };
    expect(Object.keys(broken.email)).not.toContain('waitlist_offer');
  });
});

describe('retry rules', () => {
  it('backs off exponentially with full jitter, capped', () => {
    expect(backoffDelay(1, 100, 10_000, () => 0.999)).toBe(99);
    expect(backoffDelay(4, 100, 10_000, () => 0.999)).toBe(799);
    expect(backoffDelay(30, 100, 10_000, () => 0.999)).toBe(9_990);
    expect(backoffDelay(3, 100, 10_000, () => 0)).toBe(0);
  });

  it('treats SMTP 4xx and connection trouble as transient, 5xx as permanent', () => {
    expect(classifySmtpError({ responseCode: 451, permanent: false, response: '451 try later' })).toBeInstanceOf(TransientError);
    expect(classifySmtpError({ responseCode: 550, permanent: true, response: '550 no such user' })).toBeInstanceOf(PermanentError);
    expect(classifySmtpError({ code: 'ETIMEDOUT', message: 'Greeting never received' })).toBeInstanceOf(TransientError);
    expect(classifySmtpError({ code: 'ECONNECTION', message: 'Connection closed' })).toBeInstanceOf(TransientError);
    expect(classifySmtpError({ code: 'EENVELOPE', message: 'No recipients defined' })).toBeInstanceOf(PermanentError);
    expect(classifySmtpError({ responseCode: 550, permanent: true, response: '550 no such user' }).message).toBe('SMTP 550: 550 no such user');
  });
});

describe('fan-out', () => {
  const base = { key: 'p', template: 'appointment_reminder' as const, data: {} };

  it("follows the recipient's channel; SMS needs smsEnabled and a phone; none is skipped", () => {
    expect(decideChannel({ ...base, channel: 'email', email: 'a@b.c' }, false)).toEqual({ send: 'email', to: 'a@b.c' });
    expect(decideChannel({ ...base, channel: 'sms', phone: '+15550100001' }, true)).toEqual({ send: 'sms', to: '+15550100001' });
    expect(decideChannel({ ...base, channel: 'sms', phone: '+15550100001', email: 'a@b.c' }, false)).toMatchObject({ skip: expect.stringMatching(/plan/) });
    expect(decideChannel({ ...base, channel: 'sms', email: 'a@b.c' }, true)).toMatchObject({ skip: expect.stringMatching(/phone/) });
    expect(decideChannel({ ...base, channel: 'email', phone: '+15550100001' }, true)).toMatchObject({ skip: expect.stringMatching(/email/) });
    expect(decideChannel({ ...base, channel: 'none', email: 'a@b.c' }, true)).toMatchObject({ channel: 'none' });
  });

  it('derives stable version-5 ids for child jobs', () => {
    const id = derivedId('event/patient:1/email');
    expect(id).toBe(derivedId('event/patient:1/email'));
    expect(id).not.toBe(derivedId('event/patient:1/sms'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('finds resolvers by exact type first, then by the longest wildcard', () => {
    const registry = createMessagingRegistry();
    const general: EventResolver = async () => ({ skip: 'general' });
    const reminders: EventResolver = async () => ({ skip: 'reminders' });
    const exact: EventResolver = async () => ({ skip: 'exact' });
    registry.addResolver('appointment.*', general);
    registry.addResolver('appointment.reminder.*', reminders);
    registry.addResolver('appointment.booked', exact);
    expect(registry.findResolver('appointment.booked')).toBe(exact);
    expect(registry.findResolver('appointment.cancelled')).toBe(general);
    expect(registry.findResolver('appointment.reminder.24h')).toBe(reminders);
    expect(registry.findResolver('patient.created')).toBeUndefined();
    expect(() => registry.addResolver('appointment.*', general)).toThrow(/twice/);
  });
});

describe('messaging configuration', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return '';
    } catch (err) {
      return (err as ConfigError).problems.join('\n');
    }
  };

  it('picks adapters per service: inline queue, mail to files and SMS to the log when unset', () => {
    expect(loadConfig({}).adapters).toMatchObject({ queue: 'inline', mail: 'files', sms: 'log' });
    const full = loadConfig({
      DATABASE_URL: 'postgres://db/x',
      RABBITMQ_URL: 'amqp://mq',
      SMTP_URL: 'smtp://mail:587',
      SMS_ACCOUNT_SID: 'AC1',
      SMS_AUTH_TOKEN: 't',
      SMS_FROM: '+15005550006',
    });
    expect(full.adapters).toMatchObject({ queue: 'rabbitmq', mail: 'smtp', sms: 'http' });
  });

  it('requires RabbitMQ and SMTP in production, and a database the worker can share', () => {
    expect(problems({ NODE_ENV: 'production' })).toMatch(/RABBITMQ_URL is required/);
    expect(problems({ NODE_ENV: 'production' })).toMatch(/SMTP_URL is required/);
    expect(problems({ RABBITMQ_URL: 'amqp://mq' })).toMatch(/RABBITMQ_URL needs DATABASE_URL/);
    expect(problems({ SMS_ACCOUNT_SID: 'AC1' })).toMatch(/SMS_AUTH_TOKEN and SMS_FROM/);
    expect(problems({ SMTP_URL: 'http://mail' })).toMatch(/^SMTP_URL must use smtp:\/\/ or smtps:\/\//);
    expect(problems({ RABBITMQ_PREFIX: 'a b' })).toMatch(/^RABBITMQ_PREFIX may only contain/);
  });
});
