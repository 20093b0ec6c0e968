import type { Logger } from 'pino';
import type { Db } from '../../infra/db/client.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { PermanentError } from '../../infra/queue/errors.ts';
import type { QueueHandler, QueueMessage } from '../../infra/queue/message.ts';
import { findSubscription } from '../subscriptions/subscriptions.repo.ts';
import { addDeliveryLine } from './deliveries.repo.ts';
import { derivedId } from './ids.ts';
import { enqueueJob } from './jobs.ts';
import type { MessagingRegistry, PatientLinks, NotificationRecipient } from './registry.ts';

type Decision =
  | { send: 'email'; to: string }
  | { send: 'sms'; to: string }
  | { skip: string; channel: 'email' | 'sms' | 'none'; to: string | null };

/**
 * The recipient's channel decides: email, SMS (only if the hospital's plan has
 * smsEnabled; otherwise skipped, visibly, rather than sent somewhere the
 * patient did not choose), or nothing.
 */
export function decideChannel(r: NotificationRecipient, smsEnabled: boolean): Decision {
  if (r.channel === 'none') return { skip: 'the recipient chose no notifications', channel: 'none', to: null };
  if (r.channel === 'sms') {
    if (!r.phone) return { skip: 'no phone number for SMS', channel: 'sms', to: null };
    if (!smsEnabled) return { skip: "the hospital's plan does not include SMS", channel: 'sms', to: r.phone };
    return { send: 'sms', to: r.phone };
  }
  if (!r.email) return { skip: 'no email address', channel: 'email', to: null };
  return { send: 'email', to: r.email };
}

/**
 * Queue `notifications`: a domain event (e.g. `appointment.booked`) becomes
 * one email or SMS job per recipient, via the resolver registered for its type.
 *
 * The fan-out is idempotent: each child job's id is derived from
 * (event id, recipient, channel) and enqueued with ON CONFLICT DO NOTHING, in
 * one tenant transaction with the skipped lines, so handling the event twice
 * (redelivery, retry) adds nothing.
 */
export function createNotificationsHandler(deps: { db: Db; registry: MessagingRegistry; logger: Logger; links: PatientLinks }): QueueHandler {
  const { db, registry, logger, links } = deps;
  return {
    queue: 'notifications',
    async handle(event: QueueMessage) {
      const resolver = registry.findResolver(event.type);
      if (!resolver) throw new PermanentError(`no resolver registered for event type ${event.type}`);
      const hospitalId = event.hospitalId;
      if (!hospitalId) throw new PermanentError(`event ${event.type} has no hospital`);
      await withTenant(db, hospitalId, async (scope) => {
        const result = await resolver({ scope, event, logger, links });
        if ('skip' in result) {
          await addDeliveryLine(scope.tx, { messageId: event.id, channel: 'none', hospitalId, recipient: null, template: event.type, skipped: result.skip });
          return;
        }
        const smsEnabled = result.recipients.some((r) => r.channel === 'sms') && (await findSubscription(scope))?.plan.smsEnabled === true;
        const seen = new Set<string>();
        for (const r of result.recipients) {
          if (seen.has(r.key)) continue;
          seen.add(r.key);
          const decision = decideChannel(r, smsEnabled);
          if ('skip' in decision) {
            await addDeliveryLine(scope.tx, {
              messageId: derivedId(`${event.id}/${r.key}/${decision.channel}`),
              channel: decision.channel,
              hospitalId,
              recipient: decision.to,
              template: r.template,
              skipped: decision.skip,
              sourceMessageId: event.id,
              patientId: r.patientId ?? null,
            });
            continue;
          }
          await enqueueJob(scope, {
            id: derivedId(`${event.id}/${r.key}/${decision.send}`),
            channel: decision.send,
            template: r.template,
            to: decision.to,
            data: r.data,
            ...(decision.send === 'email' && r.attachments ? { attachments: r.attachments } : {}),
            sourceMessageId: event.id,
            ...(r.patientId ? { patientId: r.patientId } : {}),
          });
        }
      });
    },
  };
}
