import { sql, type SQL } from 'drizzle-orm';
import { rawRows, type Executor } from '../../infra/db/client.ts';
import { instant } from '../../infra/db/fragments.ts';
import type { TaskDefinition } from '../../infra/queue/tasks.ts';

export interface ExpireOptions {
  /** Days a past_due subscription is kept after its period end before it is cancelled (SUBSCRIPTION_GRACE_DAYS). */
  graceDays?: number;
}

export interface ExpireResult {
  /** Trials and paid periods that ended: now past_due. */
  pastDue: number;
  /** past_due for longer than the grace period: now cancelled. */
  cancelled: number;
}

/**
 * The scheduled task that records what time has done to subscriptions:
 *
 * 1. `trialing` or `active` whose `current_period_end` <= now → `past_due`
 *    (no payment provider renews periods; an operator or the owner does);
 * 2. `past_due` whose `current_period_end` + graceDays <= now → `cancelled`.
 *
 * Bookings are blocked from the period end on, whether or not this has run
 * (isSubscriptionActive looks at the dates); this keeps the stored status,
 * the operator list and the audit log truthful. Each move is one UPDATE with
 * its audit rows written by the same statement, so concurrent runs from
 * several workers never move or audit a row twice. Runs outside any tenant
 * (it is a platform task), as the table owner.
 */
export async function expireSubscriptions(db: Executor, now: Date = new Date(), options: ExpireOptions = {}): Promise<ExpireResult> {
  const graceDays = options.graceDays ?? 14;
  const at = instant(now);
  const pastDue = await moveSubscriptions(db, at, {
    where: sql`s.status in ('trialing', 'active') and s.current_period_end <= ${at}`,
    to: 'past_due',
    action: 'subscription.expired',
  });
  const cancelled = await moveSubscriptions(db, at, {
    where: sql`s.status = 'past_due' and s.current_period_end + make_interval(days => ${graceDays}::int) <= ${at}`,
    to: 'cancelled',
    action: 'subscription.cancelled',
    metadata: sql`, 'graceDays', ${graceDays}::int`,
  });
  return { pastDue, cancelled };
}

/** One move of the expiry task: the UPDATE and its audit rows in one statement; returns how many moved. */
async function moveSubscriptions(
  db: Executor,
  at: SQL,
  move: { where: SQL; to: 'past_due' | 'cancelled'; action: string; metadata?: SQL },
): Promise<number> {
  const [row] = await rawRows<{ n: number }>(
    db,
    sql`with moved as (
          update hospital_subscriptions s
             set status = ${move.to}::text, updated_at = ${at}
           where ${move.where}
          returning s.id, s.hospital_id, (select p.code from subscription_plans p where p.id = s.plan_id) as plan_code
        ), audited as (
          insert into audit_events (hospital_id, actor_user_id, action, entity_type, entity_id, changes, metadata, created_at)
          select hospital_id, null, ${move.action}::text, 'subscription', id, array['status'],
                 jsonb_build_object('to', jsonb_build_object('plan', plan_code, 'status', ${move.to}::text), 'by', 'scheduled-task'${move.metadata ?? sql``}),
                 ${at}
            from moved
          returning 1
        )
        select count(*)::int as n from audited`,
  );
  return row?.n ?? 0;
}

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
