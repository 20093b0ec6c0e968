import type { TaskDefinition } from '../../infra/queue/registry.ts';
import { expireSubscriptions } from './expire.ts';

/**
 * expireSubscriptions as a scheduled background task: enqueued on the `tasks`
 * queue every 15 minutes, once per period across all workers (the scheduler
 * claims periods in the database); idempotent, so a redelivery is harmless.
 * Registered with one line in src/messaging.ts: `registry.addTask(subscriptionExpiryTask)`.
 */
export const subscriptionExpiryTask: TaskDefinition = {
  type: 'subscriptions.expire',
  schedule: { everyMs: 15 * 60_000 },
  async run(_payload, { db, config, logger }) {
    const result = await expireSubscriptions(db, new Date(), { graceDays: config.env.SUBSCRIPTION_GRACE_DAYS });
    if (result.pastDue || result.cancelled) logger.info(result, 'subscriptions moved by the expiry task');
  },
};
