import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Db } from '../db/client.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { QueueMessage } from './message.ts';

/** What a background job on the `tasks` queue gets to run with. */
export interface TaskContext {
  db: Db;
  config: Config;
  logger: Logger;
  message: QueueMessage;
  /** The HMAC key for signed links (tasks that send them: waitlist offers); absent in tests that build a handler by hand. */
  serverSecret?: string;
  /** The process's instruments (absent in tests that build a handler by hand). */
  metrics?: Metrics;
}

/** A background job on the `tasks` queue, optionally scheduled (the scheduler enqueues it once per period across workers). */
export interface TaskDefinition {
  /** Message type on the `tasks` queue, e.g. `subscriptions.expire`. */
  type: string;
  /**
   * The job. Throw TransientError (or anything) to be retried with backoff,
   * PermanentError to dead-letter at once. It may run more than once for one
   * message (at-least-once): make it idempotent.
   */
  run(payload: Record<string, unknown>, ctx: TaskContext): Promise<void>;
  /** Enqueue this task every `everyMs`, exactly once per period across all workers. */
  schedule?: { everyMs: number; payload?: Record<string, unknown> };
}
