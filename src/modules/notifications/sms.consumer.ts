import type { Config } from '../../config.ts';
import type { Db } from '../../infra/db/client.ts';
import type { QueueHandler } from '../../infra/queue/message.ts';
import type { Metrics } from '../../infra/observability/metrics.ts';
import type { SmsSender } from '../../infra/sms/sms.ts';
import { SmsJob } from './contracts.ts';
import { createDeliveryHandler } from './delivery.ts';
import { renderSms } from './templates.ts';

/** Queue `sms_notifications`: one SMS per message, at most once (the email rules, without the hourly limit). */
export function createSmsHandler(deps: { db: Db; sms: SmsSender; config: Config; metrics?: Metrics }): QueueHandler {
  const { sms } = deps;
  return createDeliveryHandler({
    db: deps.db,
    leaseMs: deps.config.env.DELIVERY_LEASE_MS,
    metrics: deps.metrics,
    channel: 'sms',
    contract: SmsJob,
    render: (job) => renderSms(job.template, job.data),
    send: (job, body, messageId) => sms.send({ to: job.to, body, messageId }),
  });
}
