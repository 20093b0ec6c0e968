import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Db } from '../../infra/db/client.ts';
import { DeferError, errorText } from '../../infra/queue/errors.ts';
import type { QueueHandler, QueueMessage } from '../../infra/queue/message.ts';
import type { Metrics } from '../../infra/observability/metrics.ts';
import type { SmsSender } from '../../infra/sms/sms.ts';
import { parseContract, SmsJob } from './contracts.ts';
import { claimDelivery, ensureDelivery, findDelivery, isFinished, markDead, markFailed, markSent } from './deliveries.repo.ts';
import { renderSms } from './templates.ts';

/** Queue `sms_notifications`: one SMS per message, at most once (same rules as email, no hourly limit). */
export function createSmsHandler(deps: { db: Db; sms: SmsSender; config: Config; logger: Logger; metrics?: Metrics }): QueueHandler {
  const { db, sms, config, metrics } = deps;
  return {
    queue: 'sms_notifications',
    async handle(message: QueueMessage) {
      let job: SmsJob;
      let body: string;
      try {
        job = parseContract(SmsJob, message.payload, 'SMS job');
        body = renderSms(job.template, job.data);
      } catch (err) {
        const existing = await findDelivery(db, { messageId: message.id, channel: 'sms' });
        if (existing && isFinished(existing.status)) return;
        throw err;
      }
      const key = { messageId: message.id, channel: 'sms' as const };
      await ensureDelivery(db, { ...key, hospitalId: message.hospitalId, recipient: job.to, template: job.template, sourceMessageId: job.sourceMessageId });
      const claim = await claimDelivery(db, key, { leaseMs: config.env.DELIVERY_LEASE_MS });
      if (claim.kind === 'done') return;
      if (claim.kind === 'busy' || claim.kind === 'limited') throw new DeferError(claim.until, 'another worker is sending this SMS');
      let providerMessageId: string;
      try {
        ({ providerMessageId } = await sms.send({ to: job.to, body, messageId: message.id }));
      } catch (err) {
        await markFailed(db, key, errorText(err));
        throw err;
      }
      await markSent(db, key, providerMessageId);
      metrics?.notificationsSent.inc({ channel: 'sms' });
    },
    async onDead(message, reason) {
      const to = (message.payload as { to?: unknown }).to;
      await ensureDelivery(db, {
        messageId: message.id,
        channel: 'sms',
        hospitalId: message.hospitalId,
        recipient: typeof to === 'string' ? to : null,
        template: String((message.payload as { template?: unknown }).template ?? 'unknown'),
      });
      await markDead(db, { messageId: message.id, channel: 'sms' }, reason);
    },
  };
}
