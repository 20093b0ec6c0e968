import type { EmailAttachment } from '../../infra/mail/mailer.ts';
import type { EmailTemplate } from './contracts.ts';
import { parseTemplateData, type TemplateData } from './contracts.ts';
import { buildIcs } from '../../shared/ics.ts';

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

interface Content {
  subject: string;
  heading: string;
  paragraphs: Paragraph[];
  attachments?: EmailAttachment[];
}

function toText(c: Content): string {
  const piece = (p: Piece) => (typeof p === 'string' ? p : 'strong' in p ? p.strong : p.link);
  return `${c.heading}\n\n${c.paragraphs.map((p) => p.map(piece).join('')).join('\n\n')}\n\n-- \nSent by Tempus on behalf of your care provider.\n`;
}

function toHtml(c: Content): string {
  const piece = (p: Piece) =>
    typeof p === 'string'
      ? escapeHtml(p)
      : 'strong' in p
        ? `<strong>${escapeHtml(p.strong)}</strong>`
        : `<a href="${escapeHtml(p.link)}">${escapeHtml(p.link)}</a>`;
  const body = c.paragraphs.map((p) => `<p style="margin:0 0 16px">${p.map(piece).join('')}</p>`).join('\n');
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

function appointmentLine(d: TemplateData<'appointment_reminder'>): Paragraph {
  const when = formatInstant(d.start, d.timezone);
  return [
    'When: ',
    { strong: when },
    ...(d.doctorName ? ['\nWith: ', { strong: d.doctorName }] : []),
    '\nWhere: ',
    { strong: d.location ?? d.hospitalName },
  ];
}

const greeting = (name?: string): Paragraph => [name ? `Hello ${name},` : 'Hello,'];

function confirmationAttachment(d: TemplateData<'appointment_confirmation'>): EmailAttachment[] {
  const contentType = 'text/calendar; charset=utf-8; method=PUBLISH';
  if (d.ics) return [{ filename: 'appointment.ics', content: d.ics, contentType }];
  const start = new Date(d.start);
  const end = d.end ? new Date(d.end) : new Date(start.getTime() + 30 * 60_000);
  const content = buildIcs({
    uid: d.appointmentId ?? `${start.getTime()}-${d.hospitalName}`,
    start,
    end,
    summary: d.doctorName ? `Appointment with ${d.doctorName}` : `Appointment at ${d.hospitalName}`,
    location: d.location ?? d.hospitalName,
    description: `Your appointment at ${d.hospitalName}.`,
  });
  return [{ filename: 'appointment.ics', content, contentType }];
}

const builders: { [T in EmailTemplate]: (data: TemplateData<T>) => Content } = {
  welcome: (d) => ({
    subject: `Welcome to Tempus, ${d.hospitalName}`,
    heading: `Welcome to Tempus, ${d.hospitalName}!`,
    paragraphs: [
      ['Your hospital ', { strong: d.hospitalName }, ' is registered and your trial has started.'],
      ...(d.subdomain ? [['Your public page lives at the subdomain ', { strong: d.subdomain }, '.'] as Paragraph] : []),
      ['Next steps: add your doctors and their working hours, then your patients, and start booking appointments.'],
    ],
  }),
  otp: (d) => ({
    subject: 'Your Tempus verification code',
    heading: 'Your verification code',
    paragraphs: [
      [`Use this code to confirm ${d.purpose ?? 'the change'}${d.hospitalName ? ` for ${d.hospitalName}` : ''}:`],
      [{ strong: d.code }],
      [`It expires in ${d.expiresInMinutes ?? 5} minutes and works once. If you did not ask for it, ignore this email.`],
    ],
  }),
  invitation: (d) => ({
    subject: `You're invited to join ${d.hospitalName} on Tempus`,
    heading: `Join ${d.hospitalName} on Tempus`,
    paragraphs: [
      [d.invitedBy ? `${d.invitedBy} invited you` : 'You have been invited', ' to join ', { strong: d.hospitalName }, ' as ', { strong: d.role }, '.'],
      d.acceptUrl ? ['Accept the invitation here: ', { link: d.acceptUrl }] : ['Your invitation code: ', { strong: d.token ?? '' }],
      ...(d.expiresAt ? [[`The invitation expires on ${formatInstant(d.expiresAt)}.`] as Paragraph] : []),
    ],
  }),
  appointment_confirmation: (d) => ({
    subject: `Appointment confirmed: ${formatInstant(d.start, d.timezone)}`,
    heading: 'Your appointment is confirmed',
    paragraphs: [
      greeting(d.patientName),
      [`Your appointment at ${d.hospitalName} is booked.`],
      appointmentLine(d),
      ['The attached calendar file adds it to your calendar. If you cannot come, please let us know.'],
    ],
    attachments: confirmationAttachment(d),
  }),
  appointment_reminder: (d) => ({
    subject: `Reminder: appointment on ${formatInstant(d.start, d.timezone)}`,
    heading: 'Appointment reminder',
    paragraphs: [greeting(d.patientName), [`This is a reminder of your appointment at ${d.hospitalName}.`], appointmentLine(d)],
  }),
  appointment_cancelled: (d) => ({
    subject: `Appointment cancelled: ${formatInstant(d.start, d.timezone)}`,
    heading: 'Your appointment was cancelled',
    paragraphs: [
      greeting(d.patientName),
      [`Your appointment at ${d.hospitalName} on `, { strong: formatInstant(d.start, d.timezone) }, ' was cancelled.'],
      ...(d.cancelReason ? [[`Reason: ${d.cancelReason}`] as Paragraph] : []),
      ['Contact us to book a new time.'],
    ],
  }),
  appointment_rescheduled: (d) => ({
    subject: `Appointment moved to ${formatInstant(d.start, d.timezone)}`,
    heading: 'Your appointment was moved',
    paragraphs: [
      greeting(d.patientName),
      [
        `Your appointment at ${d.hospitalName}`,
        ...(d.previousStart ? [' on ', { strong: formatInstant(d.previousStart, d.timezone) }] : []),
        ' has a new time.',
      ],
      appointmentLine(d),
    ],
  }),
};

/** Subject, text and HTML of a template (and its attachments). Invalid data is a PermanentError. */
export function renderEmail<T extends EmailTemplate>(template: T, data: unknown, extraAttachments: EmailAttachment[] = []): RenderedEmail {
  const content = builders[template](parseTemplateData(template, data));
  return {
    subject: content.subject,
    text: toText(content),
    html: toHtml(content),
    attachments: extraAttachments.length ? extraAttachments : (content.attachments ?? []),
  };
}

/** SMS bodies: short, one segment where possible, no links to click for codes. */
const smsBuilders: { [T in EmailTemplate]: (data: TemplateData<T>) => string } = {
  welcome: (d) => `Welcome to Tempus, ${d.hospitalName}! Your hospital is registered.`,
  otp: (d) => `Your Tempus code is ${d.code}. It expires in ${d.expiresInMinutes ?? 5} min.`,
  invitation: (d) => `You're invited to join ${d.hospitalName} on Tempus as ${d.role}.${d.acceptUrl ? ` ${d.acceptUrl}` : ''}`,
  appointment_confirmation: (d) => `${d.hospitalName}: your appointment${d.doctorName ? ` with ${d.doctorName}` : ''} is confirmed for ${formatInstant(d.start, d.timezone)}.`,
  appointment_reminder: (d) => `${d.hospitalName}: reminder of your appointment${d.doctorName ? ` with ${d.doctorName}` : ''} on ${formatInstant(d.start, d.timezone)}.`,
  appointment_cancelled: (d) => `${d.hospitalName}: your appointment on ${formatInstant(d.start, d.timezone)} was cancelled.`,
  appointment_rescheduled: (d) => `${d.hospitalName}: your appointment was moved to ${formatInstant(d.start, d.timezone)}.`,
};

export function renderSms<T extends EmailTemplate>(template: T, data: unknown): string {
  return smsBuilders[template](parseTemplateData(template, data));
}
