import { sql } from 'drizzle-orm';
import { rawRows, type Executor } from '../../infra/db/client.ts';

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
  const at = now.toISOString();
  const [pastDue] = await rawRows<{ n: number }>(
    db,
    sql`with moved as (
          update hospital_subscriptions s
             set status = 'past_due', updated_at = ${at}::timestamptz
           where s.status in ('trialing', 'active') and s.current_period_end <= ${at}::timestamptz
          returning s.id, s.hospital_id, (select p.code from subscription_plans p where p.id = s.plan_id) as plan_code
        ), audited as (
          insert into audit_events (hospital_id, actor_user_id, action, entity_type, entity_id, changes, metadata, created_at)
          select hospital_id, null, 'subscription.expired', 'subscription', id, array['status'],
                 jsonb_build_object('to', jsonb_build_object('plan', plan_code, 'status', 'past_due'), 'by', 'scheduled-task'),
                 ${at}::timestamptz
            from moved
          returning 1
        )
        select count(*)::int as n from audited`,
  );
  const [cancelled] = await rawRows<{ n: number }>(
    db,
    sql`with moved as (
          update hospital_subscriptions s
             set status = 'cancelled', updated_at = ${at}::timestamptz
           where s.status = 'past_due'
             and s.current_period_end + make_interval(days => ${graceDays}::int) <= ${at}::timestamptz
          returning s.id, s.hospital_id, (select p.code from subscription_plans p where p.id = s.plan_id) as plan_code
        ), audited as (
          insert into audit_events (hospital_id, actor_user_id, action, entity_type, entity_id, changes, metadata, created_at)
          select hospital_id, null, 'subscription.cancelled', 'subscription', id, array['status'],
                 jsonb_build_object('to', jsonb_build_object('plan', plan_code, 'status', 'cancelled'), 'by', 'scheduled-task',
                                    'graceDays', ${graceDays}::int),
                 ${at}::timestamptz
            from moved
          returning 1
        )
        select count(*)::int as n from audited`,
  );
  return { pastDue: pastDue?.n ?? 0, cancelled: cancelled?.n ?? 0 };
}
