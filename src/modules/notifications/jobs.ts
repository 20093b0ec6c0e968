import type { TenantScope } from '../../infra/db/tenant.ts';
import type { EmailAttachment } from '../../infra/mail/mailer.ts';
import { enqueue, type QueueName } from '../../infra/queue/outbox.ts';
import type { EmailTemplate } from './contracts.ts';
import { addDeliveryLine, recipientOf } from './deliveries.repo.ts';

/** The queue each channel's jobs travel on; the message type is the channel's name. */
export const JOB_QUEUES = { email: 'email_notifications', sms: 'sms_notifications', webhook: 'webhooks' } as const satisfies Record<
  JobChannel,
  QueueName
>;
export type JobChannel = 'email' | 'sms' | 'webhook';

interface JobBase {
  /** An email address, an E.164 phone number or a webhook endpoint id, by channel. */
  to: string;
  data: Record<string, unknown>;
  /** Email only. */
  attachments?: EmailAttachment[];
  /** The domain event this job was fanned out from. */
  sourceMessageId?: string;
  /** The patient it is for, if any: the delivery path drops it once they are erased. */
  patientId?: string;
  /** A derived id makes enqueueing the same job twice add nothing (the fan-out's idempotency). */
  id?: string;
}

/** An email or SMS to a person, or one webhook event to one endpoint (its template is the event type). */
export type Job = JobBase & ({ channel: 'email' | 'sms'; template: EmailTemplate } | { channel: 'webhook'; template: string });

/**
 * Queues one email, SMS or webhook job of the scope's hospital: its outbox row and its
 * `queued` line in the delivery log, both in the caller's transaction, so
 * GET /v1/notifications shows the job from the moment it exists and nothing
 * of it remains if the change rolls back. Returns the job's message id.
 */
export async function enqueueJob(scope: TenantScope, job: Job): Promise<string> {
  const payload = {
    template: job.template,
    to: job.to,
    data: job.data,
    ...(job.attachments?.length ? { attachments: job.attachments } : {}),
    ...(job.sourceMessageId ? { sourceMessageId: job.sourceMessageId } : {}),
    ...(job.patientId ? { patientId: job.patientId } : {}),
  };
  const [id] = await enqueue(scope.tx, { id: job.id, hospitalId: scope.hospitalId, queue: JOB_QUEUES[job.channel], type: job.channel, payload });
  await addDeliveryLine(scope.tx, {
    messageId: id!,
    channel: job.channel,
    hospitalId: scope.hospitalId,
    recipient: recipientOf(job.channel, job.to),
    template: job.template,
    sourceMessageId: job.sourceMessageId ?? null,
    patientId: job.patientId ?? null,
  });
  return id!;
}
