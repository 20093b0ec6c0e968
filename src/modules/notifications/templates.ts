import type { EmailAttachment } from '../../infra/mail/mailer.ts';
import type { EmailTemplate } from './contracts.ts';
import type { OtpPurpose } from '../otp/otp.service.ts';
import { parseTemplateData, type TemplateData } from './contracts.ts';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  attachments: EmailAttachment[];
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** "Monday, March 9, 2026 at 9:00 AM (Europe/Berlin)": formatting only, in the hospital's zone. */
export function formatInstant(iso: string, timezone = 'UTC'): string {
  const date = new Date(iso);
  let formatted: string;
  try {
    formatted = new Intl.DateTimeFormat('en-US', { timeZone: timezone, dateStyle: 'full', timeStyle: 'short' }).format(date);
  } catch {
    timezone = 'UTC';
    formatted = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', dateStyle: 'full', timeStyle: 'short' }).format(date);
  }
  return `${formatted} (${timezone})`;
}

/** A paragraph is a list of text pieces; `{ strong }` is bold in HTML. */
type Piece = string | { strong: string } | { link: string };
type Paragraph = Piece[];
/** Label/value lines (When / With / Where): one line each in text, one table row each in HTML. */
type Facts = { facts: [label: string, value: string][] };
type Block = Paragraph | Facts;

interface Content {
  subject: string;
  heading: string;
  blocks: Block[];
}

const isFacts = (b: Block): b is Facts => !Array.isArray(b);

function toText(c: Content): string {
  const piece = (p: Piece) => (typeof p === 'string' ? p : 'strong' in p ? p.strong : p.link);
  const block = (b: Block) => (isFacts(b) ? b.facts.map(([label, value]) => `${label}: ${value}`).join('\n') : b.map(piece).join(''));
  return `${c.heading}\n\n${c.blocks.map(block).join('\n\n')}\n\n-- \nSent by Tempus on behalf of your care provider.\n`;
}

function toHtml(c: Content): string {
  const piece = (p: Piece) =>
    typeof p === 'string'
      ? escapeHtml(p)
      : 'strong' in p
        ? `<strong>${escapeHtml(p.strong)}</strong>`
        : `<a href="${escapeHtml(p.link)}">${escapeHtml(p.link)}</a>`;
  // A table, not <br>s in a paragraph: mail clients keep table rows apart whatever they do to whitespace and CSS.
  const facts = (f: Facts) =>
    `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:0 0 16px;border-collapse:collapse">\n${f.facts
      .map(
        ([label, value]) =>
          `<tr><th scope="row" align="left" valign="top" style="padding:4px 16px 4px 0;font-weight:normal;color:#52606d">${escapeHtml(label)}</th>` +
          `<td style="padding:4px 0"><strong>${escapeHtml(value)}</strong></td></tr>`,
      )
      .join('\n')}\n</table>`;
  const body = c.blocks.map((b) => (isFacts(b) ? facts(b) : `<p style="margin:0 0 16px">${b.map(piece).join('')}</p>`)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(c.subject)}</title></head>
<body style="margin:0;padding:24px;background:#f5f6f8;font-family:Arial,Helvetica,sans-serif;color:#1f2933">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:32px">
<h1 style="font-size:20px;margin:0 0 24px">${escapeHtml(c.heading)}</h1>
${body}
<p style="margin:32px 0 0;font-size:12px;color:#7b8794">Sent by Tempus on behalf of your care provider.</p>
</div></body></html>
`;
}

function appointmentFacts(d: TemplateData<'appointment_reminder'>): Facts {
  return {
    facts: [
      ['When', formatInstant(d.start, d.timezone)],
      ...(d.visitTypeName ? [['Visit', d.visitTypeName] as [string, string]] : []),
      ...(d.doctorName ? [['With', d.doctorName] as [string, string]] : []),
      ['Where', d.location ?? d.hospitalName],
      ...(d.rooms ? [['Room', d.rooms] as [string, string]] : []),
    ],
  };
}

/** Every date of a series, one line each, then who and where. */
function seriesFacts(d: TemplateData<'series_confirmation'>): Facts {
  return {
    facts: [
      ...d.occurrences.map((o, i) => [`Visit ${i + 1}`, formatInstant(o.start, d.timezone)] as [string, string]),
      ...(d.doctorName ? [['With', d.doctorName] as [string, string]] : []),
      ['Where', d.location ?? d.hospitalName],
    ],
  };
}

const visits = (n: number) => (n === 1 ? '1 appointment' : `${n} appointments`);

const greeting = (name?: string): Paragraph => [name ? `Hello ${name},` : 'Hello,'];

/** What a one-time code lets the reader do, in words (the purpose travels as a machine code). */
const PURPOSE_WORDS: Record<OtpPurpose, string> = {
  'hospital.update': "change your hospital's details",
};
const purposeWords = (purpose?: string) => (purpose && purpose in PURPOSE_WORDS ? PURPOSE_WORDS[purpose as OtpPurpose] : 'confirm the change');

/** Whether the email carries a calendar file (appointment emails do in the patient's email channel). */
interface Extras {
  calendar: boolean;
}

/** The manage link of one appointment (see, cancel, reschedule), when the job carries one. */
const manageLine = (url?: string): Paragraph[] => (url ? [['See, move or cancel it here: ', { link: url }]] : []);
const calendarNote = (x: Extras, note: string): Paragraph[] => (x.calendar ? [[note]] : []);

const builders: { [T in EmailTemplate]: (data: TemplateData<T>, extras: Extras) => Content } = {
  welcome: (d) => ({
    subject: `Welcome to Tempus, ${d.hospitalName}`,
    heading: `Welcome to Tempus, ${d.hospitalName}!`,
    blocks: [
      ['Your hospital ', { strong: d.hospitalName }, ' is registered and your trial has started.'],
      ...(d.subdomain ? [['Your public page lives at the subdomain ', { strong: d.subdomain }, '.'] as Paragraph] : []),
      ['Next steps: add your doctors and their working hours, then your patients, and start booking appointments.'],
    ],
  }),
  otp: (d) => ({
    subject: 'Your Tempus verification code',
    heading: 'Your verification code',
    blocks: [
      [`Use this code to ${purposeWords(d.purpose)}${d.hospitalName ? ` (${d.hospitalName})` : ''}:`],
      [{ strong: d.code }],
      [`It expires in ${d.expiresInMinutes ?? 5} minutes and works once. If you did not ask for it, ignore this email.`],
    ],
  }),
  invitation: (d) => ({
    subject: `You're invited to join ${d.hospitalName} on Tempus`,
    heading: `Join ${d.hospitalName} on Tempus`,
    blocks: [
      [d.invitedBy ? `${d.invitedBy} invited you` : 'You have been invited', ' to join ', { strong: d.hospitalName }, ' as ', { strong: d.role }, '.'],
      d.acceptUrl ? ['Accept the invitation here: ', { link: d.acceptUrl }] : ['Your invitation code: ', { strong: d.token ?? '' }],
      // In the hospital's zone (named), like every time a hospital's people read.
      ...(d.expiresAt ? [['The invitation expires on ', { strong: formatInstant(d.expiresAt, d.timezone) }, '.'] as Paragraph] : []),
    ],
  }),
  appointment_confirmation: (d, x) => ({
    subject: `Appointment confirmed: ${formatInstant(d.start, d.timezone)}`,
    heading: 'Your appointment is confirmed',
    blocks: [
      greeting(d.patientName),
      [`Your appointment at ${d.hospitalName} is booked.`],
      appointmentFacts(d),
      ...calendarNote(x, 'The attached calendar file adds it to your calendar.'),
      ...manageLine(d.manageUrl),
      ['If you cannot come, please let us know.'],
    ],
  }),
  appointment_reminder: (d) => ({
    subject: `Reminder: appointment on ${formatInstant(d.start, d.timezone)}`,
    heading: 'Appointment reminder',
    blocks: [greeting(d.patientName), [`This is a reminder of your appointment at ${d.hospitalName}.`], appointmentFacts(d), ...manageLine(d.manageUrl)],
  }),
  appointment_cancelled: (d, x) => ({
    subject: `Appointment cancelled: ${formatInstant(d.start, d.timezone)}`,
    heading: 'Your appointment was cancelled',
    blocks: [
      greeting(d.patientName),
      [`Your appointment at ${d.hospitalName} was cancelled:`],
      appointmentFacts(d),
      ...(d.cancelReason ? [[`Reason: ${d.cancelReason}`] as Paragraph] : []),
      ...calendarNote(x, 'The attached calendar file removes it from your calendar.'),
      ['Contact us to book a new time.'],
    ],
  }),
  appointment_rescheduled: (d, x) => ({
    subject: `Appointment moved to ${formatInstant(d.start, d.timezone)}`,
    heading: 'Your appointment was moved',
    blocks: [
      greeting(d.patientName),
      [
        `Your appointment at ${d.hospitalName}`,
        ...(d.previousStart ? [' on ', { strong: formatInstant(d.previousStart, d.timezone) }] : []),
        ' has a new time:',
      ],
      appointmentFacts(d),
      ...calendarNote(x, 'The attached calendar file moves it in your calendar.'),
      ...manageLine(d.manageUrl),
    ],
  }),
  webhook_disabled: (d) => ({
    subject: `Webhook endpoint disabled: ${d.url}`,
    heading: 'A webhook endpoint was disabled',
    blocks: [
      ['Every delivery to the webhook endpoint of ', { strong: d.hospitalName }, ' at ', { strong: d.url }, ' has failed since ', { strong: formatInstant(d.failingSince) }, '.'],
      ['Tempus disabled it and sends it nothing more. Fix the receiver, then enable the endpoint again (PATCH /v1/webhooks/', d.endpointId, ' with active: true); failed deliveries can be retried from its delivery log.'],
    ],
  }),
  series_confirmation: (d) => ({
    subject: `${visits(d.occurrences.length)} confirmed from ${formatInstant(d.occurrences[0]!.start, d.timezone)}`,
    heading: 'Your appointments are confirmed',
    blocks: [
      greeting(d.patientName),
      [`Your ${visits(d.occurrences.length)} at ${d.hospitalName} are booked:`],
      seriesFacts(d),
      ...d.occurrences.flatMap((o) => (o.manageUrl ? [[`${formatInstant(o.start, d.timezone)}: see, move or cancel it here: `, { link: o.manageUrl }] as Paragraph] : [])),
      ['You will get a reminder before each visit. If you cannot come to one, please let us know.'],
    ],
  }),
  series_cancelled: (d) => ({
    subject: `${visits(d.occurrences.length)} cancelled from ${formatInstant(d.occurrences[0]!.start, d.timezone)}`,
    heading: 'Your appointments were cancelled',
    blocks: [
      greeting(d.patientName),
      [`These ${visits(d.occurrences.length)} at ${d.hospitalName} were cancelled:`],
      seriesFacts(d),
      ...(d.cancelReason ? [[`Reason: ${d.cancelReason}`] as Paragraph] : []),
      ['Contact us to book new times.'],
    ],
  }),
};

/** Subject, text and HTML of a template, with the attachments the job carries. Invalid data is a PermanentError. */
export function renderEmail<T extends EmailTemplate>(template: T, data: unknown, attachments: EmailAttachment[] = []): RenderedEmail {
  const calendar = attachments.some((a) => a.contentType.startsWith('text/calendar'));
  const content = builders[template](parseTemplateData(template, data), { calendar });
  return { subject: content.subject, text: toText(content), html: toHtml(content), attachments };
}

/** SMS bodies: short, one segment where possible, no links to click for codes; an appointment's manage link at the end. */
const smsLink = (url?: string) => (url ? ` Manage: ${url}` : '');
const smsBuilders: { [T in EmailTemplate]: (data: TemplateData<T>) => string } = {
  welcome: (d) => `Welcome to Tempus, ${d.hospitalName}! Your hospital is registered.`,
  otp: (d) => `Your Tempus code is ${d.code}. It expires in ${d.expiresInMinutes ?? 5} min.`,
  invitation: (d) => `You're invited to join ${d.hospitalName} on Tempus as ${d.role}.${d.acceptUrl ? ` ${d.acceptUrl}` : ''}`,
  appointment_confirmation: (d) => `${d.hospitalName}: your appointment${d.doctorName ? ` with ${d.doctorName}` : ''} is confirmed for ${formatInstant(d.start, d.timezone)}.${smsLink(d.manageUrl)}`,
  appointment_reminder: (d) => `${d.hospitalName}: reminder of your appointment${d.doctorName ? ` with ${d.doctorName}` : ''} on ${formatInstant(d.start, d.timezone)}.${smsLink(d.manageUrl)}`,
  appointment_cancelled: (d) => `${d.hospitalName}: your appointment on ${formatInstant(d.start, d.timezone)} was cancelled.`,
  appointment_rescheduled: (d) => `${d.hospitalName}: your appointment was moved to ${formatInstant(d.start, d.timezone)}.${smsLink(d.manageUrl)}`,
  webhook_disabled: (d) => `${d.hospitalName}: the webhook endpoint ${d.url} kept failing and was disabled.`,
  series_confirmation: (d) =>
    `${d.hospitalName}: ${visits(d.occurrences.length)}${d.doctorName ? ` with ${d.doctorName}` : ''} confirmed, from ${formatInstant(d.occurrences[0]!.start, d.timezone)} to ${formatInstant(d.occurrences.at(-1)!.start, d.timezone)}.${smsLink(d.occurrences[0]!.manageUrl)}`,
  series_cancelled: (d) => `${d.hospitalName}: ${visits(d.occurrences.length)} from ${formatInstant(d.occurrences[0]!.start, d.timezone)} cancelled.`,
};

export function renderSms<T extends EmailTemplate>(template: T, data: unknown): string {
  return smsBuilders[template](parseTemplateData(template, data));
}
