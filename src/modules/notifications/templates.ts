import type { EmailAttachment } from '../../infra/mail/mailer.ts';
import type { EmailTemplate } from './contracts.ts';
import { parseTemplateData } from './contracts.ts';
import { emailFor, footerFor, smsFor, type Block, type Content, type Facts, type Piece } from './i18n/index.ts';

export { formatInstant, resolveLanguage } from './i18n/index.ts';

/**
 * Layout of the messages (text and HTML parts); their words live in the catalog,
 * ./i18n/{en,es,de}.ts, and each message is written in the `language` of its data.
 */

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  attachments: EmailAttachment[];
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const isFacts = (b: Block): b is Facts => !Array.isArray(b);

function toText(c: Content, footer: string): string {
  const piece = (p: Piece) => (typeof p === 'string' ? p : 'strong' in p ? p.strong : p.link);
  const block = (b: Block) => (isFacts(b) ? b.facts.map(([label, value]) => `${label}: ${value}`).join('\n') : b.map(piece).join(''));
  return `${c.heading}\n\n${c.blocks.map(block).join('\n\n')}\n\n-- \n${footer}\n`;
}

function toHtml(c: Content, footer: string, lang: string): string {
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
<html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"><title>${escapeHtml(c.subject)}</title></head>
<body style="margin:0;padding:24px;background:#f5f6f8;font-family:Arial,Helvetica,sans-serif;color:#1f2933">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:32px">
<h1 style="font-size:20px;margin:0 0 24px">${escapeHtml(c.heading)}</h1>
${body}
<p style="margin:32px 0 0;font-size:12px;color:#7b8794">${escapeHtml(footer)}</p>
</div></body></html>
`;
}

/** The fields every template's data may carry that choose how it is written. */
const readerOf = (data: object) => data as { language?: string; timezone?: string };

/** Subject, text and HTML of a template, in the data's language, with the attachments the job carries. Invalid data is a PermanentError. */
export function renderEmail<T extends EmailTemplate>(template: T, data: unknown, attachments: EmailAttachment[] = []): RenderedEmail {
  const parsed = parseTemplateData(template, data);
  const { language, timezone } = readerOf(parsed);
  const { build, ctx, lang } = emailFor(template, language, timezone);
  const calendar = attachments.some((a) => a.contentType.startsWith('text/calendar'));
  const content = build(parsed, { ...ctx, calendar });
  const footer = footerFor(lang);
  return { subject: content.subject, text: toText(content, footer), html: toHtml(content, footer, lang), attachments };
}

/** SMS bodies: short, one segment where possible, no links to click for codes. */
export function renderSms<T extends EmailTemplate>(template: T, data: unknown): string {
  const parsed = parseTemplateData(template, data);
  const { language, timezone } = readerOf(parsed);
  const { build, ctx } = smsFor(template, language, timezone);
  return build(parsed, { ...ctx, calendar: false });
}
