import type { Static, TSchema } from 'typebox';
import type { Db } from '../../infra/db/client.ts';
import type { Metrics } from '../../infra/observability/metrics.ts';
import { DeferError, errorText } from '../../infra/queue/errors.ts';
import type { QueueHandler, QueueMessage } from '../../infra/queue/message.ts';
import { replacePayloadField } from '../../infra/queue/outbox.ts';
import { parseContract } from './contracts.ts';
import { isPatientErased } from '../patients/patients.repo.ts';
import { groupCommit } from '../../infra/queue/group-commit.ts';
import {
  addDeliveryLine,
  claimDeliveries,
  findDelivery,
  isFinished,
  markDead,
  markFailed,
  markSentMany,
  markSkipped,
  recipientOf,
  renewLeases,
  type ClaimRequest,
  type DeliveryKey,
} from './deliveries.repo.ts';
import { JOB_QUEUES, type JobChannel } from './jobs.ts';

/** Templates whose data must not outlive the send (codes, tokens): blanked in the outbox once sent. */
const SENSITIVE = new Set(['otp', 'invitation', 'waitlist_offer']);

/** What every channel's job carries besides its own fields. */
interface JobBase {
  template: string;
  to: string;
  sourceMessageId?: string;
  patientId?: string;
}

export const ERASED_REASON = 'the patient was erased';

export interface DeliveryChannel<S extends TSchema, R> {
  db: Db;
  /** DELIVERY_LEASE_MS: how long a claimed send holds the line against other workers. */
  leaseMs: number;
  metrics?: Metrics;
  channel: JobChannel;
  /** The job payload's contract; a payload that breaks it is dead at once. */
  contract: S;
  /** Turns the job into what the provider sends; throwing here is a broken payload (dead, no attempt spent). */
  render(job: Static<S>): R;
  /**
   * Hands the rendered message to the provider; `messageId` is the job's id (the provider-side idempotency key).
   * `message` is the queue message itself (its hospital scopes what the send may read).
   */
  send(job: Static<S>, rendered: R, messageId: string, message: QueueMessage): Promise<{ providerMessageId: string }>;
  /** At most `perHour` sends to one recipient in any hour; beyond it the job waits (email). */
  limit?: { perHour: number };
}

/**
 * The consumer of one delivery channel's queue (email, SMS, webhooks):
 * one message, at most one send.
 *
 * Order matters: validate and render first (a broken payload is dead at once
 * and costs no attempt); then claim the delivery line (done / busy / over the
 * recipient's hourly limit / ours); then send; then record sent, or failed
 * (the runtime retries) — and dead when the runtime gives up. A crash
 * between the provider's acceptance and the record is the one window in which
 * a resend can happen; the resend carries the same message id.
 *
 * The claim (with the line it makes sure of) and the `sent` record are group
 * commits: the messages in flight in this process share one transaction for
 * their claims and one statement for their records, instead of a handful of
 * round trips each (docs/performance.md, "notifications end to end"). Each
 * message still waits for its own claim and its own record before it goes on
 * or is acknowledged.
 */
export function createDeliveryHandler<S extends TSchema, R>(spec: DeliveryChannel<S, R>): QueueHandler {
  const { db, channel, limit } = spec;
  const what = channel === 'sms' ? 'SMS' : channel;
  const claim = groupCommit((requests: ClaimRequest[]) => claimDeliveries(db, requests, spec.leaseMs));
  const recordSent = groupCommit(async (sends: { key: DeliveryKey; providerMessageId: string }[]) => {
    await markSentMany(db, sends);
    return sends.map(() => undefined);
  });
  const renew = groupCommit(async (keys: DeliveryKey[]) => {
    await renewLeases(db, keys, spec.leaseMs);
    return keys.map(() => undefined);
  });
  /** Renews the claim's lease every third of it until `stop` (see renewLeases); a failed renewal is retried at the next tick. */
  const holdLease = (key: DeliveryKey) => {
    const timer = setInterval(() => void renew(key).catch(() => undefined), Math.max(50, spec.leaseMs / 3));
    timer.unref();
    return { stop: () => clearInterval(timer) };
  };
  return {
    queue: JOB_QUEUES[channel],
    async handle(message: QueueMessage) {
      const key = { messageId: message.id, channel };
      let job: Static<S> & JobBase;
      let rendered: R;
      try {
        job = parseContract(spec.contract, message.payload, `${what} job`) as Static<S> & JobBase;
        rendered = spec.render(job);
      } catch (err) {
        // A late copy of a message already sent may carry a redacted payload: that is not a failure.
        const existing = await findDelivery(db, key);
        if (existing && isFinished(existing.status)) return;
        throw err;
      }
      const recipient = recipientOf(channel, job.to);
      const patientId = job.patientId ?? null;
      const line = { ...key, hospitalId: message.hospitalId, recipient, template: job.template, sourceMessageId: job.sourceMessageId, patientId };
      // Erasure drops queued messages in its transaction; this catches any copy already on its way (docs/privacy.md).
      if (patientId && (await isPatientErased(db, patientId))) {
        await addDeliveryLine(db, line);
        await markSkipped(db, key, ERASED_REASON);
        return;
      }
      const claimed = await claim({ key, line, ...(limit ? { hourlyLimit: { recipient, max: limit.perHour } } : {}) });
      if (claimed.kind === 'done') return;
      if (claimed.kind === 'busy') throw new DeferError(claimed.until, `another worker is sending this ${what}`);
      if (claimed.kind === 'limited') {
        // No address in the reason: it is logged and stored as the line's last error.
        throw new DeferError(claimed.until, `the recipient received ${claimed.recentCount} ${what}s in the last hour (limit ${limit?.perHour})`);
      }
      const lease = holdLease(key);
      try {
        let providerMessageId: string;
        try {
          ({ providerMessageId } = await spec.send(job, rendered, message.id, message));
        } catch (err) {
          await markFailed(db, key, errorText(err));
          throw err;
        }
        await recordSent({ key, providerMessageId });
      } finally {
        lease.stop();
      }
      spec.metrics?.notificationsSent.inc({ channel });
      if (SENSITIVE.has(job.template)) await replacePayloadField(db, message.id, 'data', { redacted: true });
    },
    async onDead(message, reason) {
      const { to, template } = message.payload as { to?: unknown; template?: unknown };
      await addDeliveryLine(db, {
        messageId: message.id,
        channel,
        hospitalId: message.hospitalId,
        recipient: typeof to === 'string' ? recipientOf(channel, to) : null,
        template: typeof template === 'string' ? template : 'unknown',
      });
      await markDead(db, { messageId: message.id, channel }, reason);
    },
  };
}
