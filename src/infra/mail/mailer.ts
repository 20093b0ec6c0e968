import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { CheckResult } from '../observability/health.ts';
import { PermanentError, TransientError } from '../queue/errors.ts';

export interface EmailAttachment {
  filename: string;
  content: string;
  contentType: string;
}

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /**
   * Message-ID header without angle brackets. Derived from the outbox message
   * id, so the rare resend after a crash carries the same Message-ID and
   * receiving systems can recognise it as the same message.
   */
  messageId: string;
  attachments?: EmailAttachment[];
}

export interface Mailer {
  readonly kind: 'smtp' | 'files';
  /** Hands the message over. Throws TransientError or PermanentError. */
  send(email: OutgoingEmail): Promise<{ providerMessageId: string }>;
  check(): Promise<CheckResult>;
  close(): Promise<void>;
}

/** SMTP_URL set: pooled Nodemailer over SMTP. Unset: every email becomes DATA_DIR/mail/<message-id>.eml. */
export function createMailer(config: Config, logger: Logger): Mailer {
  const { env } = config;
  return env.SMTP_URL ? smtpMailer(env.SMTP_URL, config, logger) : fileMailer(path.resolve(env.DATA_DIR, 'mail'), env.MAIL_FROM, logger);
}

function smtpMailer(url: string, config: Config, logger: Logger): Mailer {
  const { env } = config;
  const transport = nodemailer.createTransport(
    {
      url,
      pool: true,
      maxConnections: env.SMTP_POOL_SIZE,
      // A message whose connection drops is retried by our runtime (recorded, with backoff), not silently by the pool.
      maxRequeues: 0,
      connectionTimeout: env.SMTP_TIMEOUT_MS,
      greetingTimeout: env.SMTP_TIMEOUT_MS,
      socketTimeout: env.SMTP_TIMEOUT_MS,
    },
    { from: env.MAIL_FROM },
  );
  transport.on('error', (err: Error) => logger.warn({ err: err.message }, 'smtp transport error'));
  const host = new URL(url).host;
  return {
    kind: 'smtp',
    async send(email) {
      try {
        const info = await transport.sendMail(messageOf(email));
        return { providerMessageId: info.messageId };
      } catch (err) {
        throw classifySmtpError(err);
      }
    },
    async check() {
      await transport.verify();
      return { status: 'up', mode: 'smtp', host };
    },
    async close() {
      transport.close();
    },
  };
}

/** The Nodemailer message for an email; the Message-ID is ours, so a resend can be recognised. */
function messageOf(email: Parameters<Mailer['send']>[0]) {
  return {
    to: email.to,
    subject: email.subject,
    text: email.text,
    html: email.html,
    messageId: `<${email.messageId}>`,
    attachments: email.attachments,
  };
}

/** RFC 5321 reply classes, as Nodemailer reports them: 5xx is final, 4xx and no reply at all (timeouts, resets) are worth a retry. */
export function classifySmtpError(err: unknown): TransientError | PermanentError {
  const e = err as { message?: string; responseCode?: number; permanent?: boolean; code?: string; response?: string };
  const detail = e.responseCode ? `SMTP ${e.responseCode}: ${e.response ?? e.message}` : `SMTP ${e.code ?? 'error'}: ${e.message ?? String(err)}`;
  if (e.permanent === true) return new PermanentError(detail, { cause: err });
  if (e.responseCode !== undefined) return new TransientError(detail, { cause: err });
  // No reply from a server: our own configuration or the message itself is at fault.
  if (e.code === 'ECONFIG' || e.code === 'EENVELOPE' || e.code === 'EMESSAGE' || e.code === 'ENOAUTH') return new PermanentError(detail, { cause: err });
  return new TransientError(detail, { cause: err });
}

function fileMailer(dir: string, from: string, logger: Logger): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, { from });
  return {
    kind: 'files',
    async send(email) {
      const info = await transport.sendMail({ ...messageOf(email), date: new Date() });
      await mkdir(dir, { recursive: true });
      // Named by message id: a resend of the same message overwrites its file instead of adding one.
      const file = path.join(dir, `${email.messageId.split('@')[0]!.replace(/[^A-Za-z0-9._-]/g, '_')}.eml`);
      await writeFile(file, info.message as Buffer);
      // The file holds the address and the text; the log line does not (docs/privacy.md: no personal data in logs).
      logger.info({ file }, 'email written to file (embedded mode)');
      return { providerMessageId: info.messageId };
    },
    async check() {
      await mkdir(dir, { recursive: true });
      return { status: 'up', mode: 'files', dir };
    },
    async close() {},
  };
}
