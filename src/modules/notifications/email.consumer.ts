import type { Config } from '../../config.ts';
import type { Db } from '../../infra/db/client.ts';
import type { Mailer } from '../../infra/mail/mailer.ts';
import type { QueueHandler } from '../../infra/queue/message.ts';
import type { Metrics } from '../../infra/observability/metrics.ts';
import { EmailJob } from './contracts.ts';
import { createDeliveryHandler } from './delivery.ts';
import { renderEmail } from './templates.ts';

/** Queue `email_notifications`: one email per message, at most once, at most EMAIL_PER_RECIPIENT_PER_HOUR per recipient. */
export function createEmailHandler(deps: { db: Db; mailer: Mailer; config: Config; metrics?: Metrics }): QueueHandler {
  const { mailer, config } = deps;
  return createDeliveryHandler({
    db: deps.db,
    leaseMs: config.env.DELIVERY_LEASE_MS,
    metrics: deps.metrics,
    channel: 'email',
    contract: EmailJob,
    render: (job) => renderEmail(job.template, job.data, job.attachments),
    // The job id in the Message-ID: a resend after a crash is recognisably the same email.
    send: (job, email, messageId) => mailer.send({ ...email, to: job.to, messageId: `${messageId}.email@tempus` }),
    limit: { perHour: config.env.EMAIL_PER_RECIPIENT_PER_HOUR },
  });
}
