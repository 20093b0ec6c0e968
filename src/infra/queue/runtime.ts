import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import type { Metrics } from '../observability/metrics.ts';
import { backoffDelay } from './backoff.ts';
import { recordDeadLetter } from './dead-letters.ts';
import { DeferError, errorText, PermanentError } from './errors.ts';
import type { QueueHandler, QueueMessage } from './message.ts';
import type { QueueName } from './outbox.ts';
import { reschedule } from './outbox.ts';

export interface RetryPolicy {
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export type Outcome = 'done' | 'retry' | 'deferred' | 'dead';

export interface Runtime {
  /**
   * Runs the message's handler and records what happened, durably, before
   * returning: done; retry (rescheduled in the outbox with backoff); deferred
   * (rescheduled, no attempt spent); dead (dead_letters). Only when recording
   * itself fails (database unreachable) does it throw, and the transport then
   * hands the message back for later.
   */
  process(message: QueueMessage): Promise<Outcome>;
  /** A message the broker dead-lettered (delivery limit, poison): record it and tell its handler. */
  deadFromBroker(message: QueueMessage, reason: string): Promise<void>;
  handlers: Partial<Record<QueueName, QueueHandler>>;
}

/**
 * The one set of retry and idempotency rules, shared by the RabbitMQ consumers
 * and the in-process transport, so embedded mode behaves like production.
 */
export function createRuntime(options: {
  db: Db;
  logger: Logger;
  metrics?: Metrics;
  policy: RetryPolicy;
  /** A queue whose receivers may be down for long (webhooks) retries on its own policy; the rules stay the same. */
  policies?: Partial<Record<QueueName, RetryPolicy>>;
  handlers: Partial<Record<QueueName, QueueHandler>>;
}): Runtime {
  const { db, logger, metrics, handlers } = options;

  async function dead(message: QueueMessage, reason: string, source: 'consumer' | 'broker'): Promise<void> {
    await handlers[message.queue]?.onDead?.(message, reason);
    await recordDeadLetter(db, message, reason, source);
    metrics?.messages.inc({ queue: message.queue, event: 'dead' });
    logger.error({ messageId: message.id, queue: message.queue, type: message.type, attempt: message.attempt, reason }, 'message dead-lettered');
  }

  return {
    handlers,
    async process(message) {
      const handler = handlers[message.queue];
      const policy = options.policies?.[message.queue] ?? options.policy;
      // Made only when there is something to say: a pino child serialises its bindings at once, and most messages log nothing.
      let child: Logger | undefined;
      const log = () => (child ??= logger.child({ messageId: message.id, queue: message.queue, type: message.type, attempt: message.attempt }));
      try {
        if (!handler) throw new PermanentError(`no handler for queue ${message.queue}`);
        await handler.handle(message);
        metrics?.messages.inc({ queue: message.queue, event: 'consumed' });
        if (logger.isLevelEnabled('debug')) log().debug('message handled');
        return 'done';
      } catch (err) {
        if (err instanceof DeferError) {
          await reschedule(db, message.id, { availableAt: err.until });
          log().info({ until: err.until.toISOString(), why: err.message }, 'message deferred');
          return 'deferred';
        }
        const reason = errorText(err);
        metrics?.messages.inc({ queue: message.queue, event: 'failed' });
        if (err instanceof PermanentError) {
          await dead(message, reason, 'consumer');
          return 'dead';
        }
        if (message.attempt >= policy.maxAttempts) {
          await dead(message, `gave up after ${message.attempt} attempts: ${reason}`, 'consumer');
          return 'dead';
        }
        const delay = backoffDelay(message.attempt, policy.backoffBaseMs, policy.backoffMaxMs);
        await reschedule(db, message.id, { availableAt: new Date(Date.now() + delay), attempts: message.attempt, lastError: reason });
        log().warn({ err: reason, retryInMs: delay }, 'message failed; retry scheduled');
        return 'retry';
      }
    },
    deadFromBroker: (message, reason) => dead(message, reason, 'broker'),
  };
}
