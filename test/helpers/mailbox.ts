import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { TestAppOptions } from './app.ts';
import { createMessagingApp, messagingTestEnv } from './messaging.ts';
import { startSmtpPeer, type SmtpPeer } from './smtp-peer.ts';
import { onServices } from './target.ts';

/** One email as the recipient got it, parsed by mailparser. */
export interface Mail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  attachments: {
    filename: string;
    /** The MIME type alone (`text/calendar`); its parameters are in `params`. */
    contentType: string;
    params: Record<string, string>;
    content: string;
  }[];
}

export function mailOf(parsed: ParsedMail, to?: string[]): Mail {
  const addresses = to ?? (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
  return {
    to: addresses,
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    attachments: parsed.attachments.map((a) => {
      const header = a.headers.get('content-type') as { params?: Record<string, string> } | undefined;
      return { filename: a.filename ?? '', contentType: a.contentType, params: header?.params ?? {}, content: a.content.toString('utf8') };
    }),
  };
}

/**
 * Every email delivered so far, wherever this target delivers them: the SMTP
 * peer's inbox (services target) or the .eml files under DATA_DIR/mail
 * (embedded mode's mailbox).
 */
export async function mailbox(source: { smtp: SmtpPeer | null; dataDir: string }): Promise<Mail[]> {
  if (source.smtp) return source.smtp.received.map((m) => mailOf(m.parsed, m.to));
  const dir = path.join(source.dataDir, 'mail');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.eml'));
  return Promise.all(files.map(async (f) => mailOf(await simpleParser(await readFile(path.join(dir, f))))));
}

export async function mailTo(source: { smtp: SmtpPeer | null; dataDir: string }, address: string): Promise<Mail[]> {
  return (await mailbox(source)).filter((m) => m.to.includes(address.toLowerCase()));
}

/**
 * A messaging app whose emails are captured where the recipient would find
 * them (an SMTP peer on the services target, .eml files in embedded mode),
 * with its own outbox and queue names (messagingTestEnv). Call in beforeAll,
 * close in afterAll.
 */
export async function mailCapturingApp(env: Record<string, string> = {}, options: Pick<TestAppOptions, 'logDestination'> = {}) {
  const menv = await messagingTestEnv();
  const smtp = onServices ? await startSmtpPeer() : null;
  const t = await createMessagingApp({ ...options, env: { ...env, ...menv.env, ...(smtp ? { SMTP_URL: smtp.url } : {}) } });
  return {
    t,
    smtp,
    mailTo: (address: string) => mailTo({ smtp, dataDir: t.dataDir }, address),
    async close() {
      await t.close();
      await smtp?.close();
      await menv.close();
    },
  };
}
