import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Db } from '../../infra/db/client.ts';
import type { Mailer } from '../../infra/mail/mailer.ts';
import { DeferError, errorText } from '../../infra/queue/errors.ts';
import type { QueueHandler, QueueMessage } from '../../infra/queue/message.ts';
import type { Metrics } from '../../infra/observability/metrics.ts';
import { EmailJob, parseContract } from './contracts.ts';
import { claimDelivery, ensureDelivery, findDelivery, isFinished, markDead, markFailed, markSent } from './deliveries.repo.ts';
import { renderEmail } from './templates.ts';

/** Templates whose data must not outlive the send (codes, tokens): blanked in the outbox once sent. */
const SENSITIVE = new Set(['otp', 'invitation']);

/**
 * Queue `email_notifications`: one email per message, at most once.
 *
 * Order matters: validate and render first (a broken payload is dead at once
 * and costs no attempt); then claim the delivery line (done / busy / over the
 * recipient's hourly limit / ours); then send; then record. A crash between
 * the SMTP server's "250 OK" and the record is the one window in which a
 * resend can happen; the resend carries the same Message-ID.
 */
export function createEmailHandler(deps: { db: Db; mailer: Mailer; config: Config; logger: Logger; metrics?: Metrics }): QueueHandler {
  const { db, mailer, config, metrics } = deps;
  return {
    queue: 'email_notifications',
    async handle(message: QueueMessage) {
      let job: EmailJob;
      let rendered: ReturnType<typeof renderEmail>;
      try {
        job = parseContract(EmailJob, message.payload, 'email job');
        rendered = renderEmail(job.template, job.data, job.attachments);
      } catch (err) {
        // A late copy of a message already sent may carry a redacted payload: that is not a failure.
        const existing = await findDelivery(db, { messageId: message.id, channel: 'email' });
        if (existing && isFinished(existing.status)) return;
        throw err;
      }
      const recipient = job.to.trim().toLowerCase();
      const key = { messageId: message.id, channel: 'email' as const };
      await ensureDelivery(db, { ...key, hospitalId: message.hospitalId, recipient, template: job.template, sourceMessageId: job.sourceMessageId });
      const claim = await claimDelivery(db, key, {
        leaseMs: config.env.DELIVERY_LEASE_MS,
        hourlyLimit: { recipient, max: config.env.EMAIL_PER_RECIPIENT_PER_HOUR },
      });
      if (claim.kind === 'done') return;
      if (claim.kind === 'busy') throw new DeferError(claim.until, 'another worker is sending this email');
      if (claim.kind === 'limited') {
        throw new DeferError(claim.until, `${recipient} received ${claim.recentCount} emails in the last hour (limit ${config.env.EMAIL_PER_RECIPIENT_PER_HOUR})`);
      }
      let providerMessageId: string;
      try {
        ({ providerMessageId } = await mailer.send({ ...rendered, to: job.to, messageId: `${message.id}.email@tempus` }));
      } catch (err) {
        await markFailed(db, key, errorText(err));
        throw err;
      }
      await markSent(db, key, providerMessageId);
      metrics?.notificationsSent.inc({ channel: 'email' });
      if (SENSITIVE.has(job.template)) {
        await db.execute(sql`update outbox set payload = jsonb_set(payload, '{data}', '{"redacted": true}'::jsonb) where id = ${message.id}::uuid`);
      }
    },
    async onDead(message, reason) {
      const { to, template } = message.payload as { to?: unknown; template?: unknown };
      await ensureDelivery(db, {
        messageId: message.id,
        channel: 'email',
        hospitalId: message.hospitalId,
        recipient: typeof to === 'string' ? to.trim().toLowerCase() : null,
        template: typeof template === 'string' ? template : 'unknown',
      });
      await markDead(db, { messageId: message.id, channel: 'email' }, reason);
    },
  };
}
