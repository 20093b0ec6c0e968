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
      expect(body.length).toBeLessThan(200);
    }
    expect(renderSms('otp', { code: '123456' })).toBe('Your Tempus code is 123456. It expires in 5 min.');
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
