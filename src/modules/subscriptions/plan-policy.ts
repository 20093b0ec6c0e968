import { Temporal } from 'temporal-polyfill';
import type { SubscriptionStatus } from '../../infra/db/schema/subscriptions.ts';
import { DomainError } from '../../shared/errors.ts';
import type { PlanRow, SubscriptionWithPlan } from './subscriptions.repo.ts';
import type { Usage } from './usage.ts';

/**
 * The plan's rules, pure (no database, no clock of their own): whether a
 * subscription allows new bookings, how long a billing period runs, and when
 * usage is over a limit. What counts as usage is usage.ts; the lock under
 * which these are checked is lockSubscriptionLimits (subscriptions.repo.ts).
 */

export type CountedLimit = 'maxDoctors' | 'maxAppointmentsPerMonth';

/**
 * Whether a hospital may start new billable work (bookings) now. A trial or a
 * paid period counts only until its end: a subscription whose period has
 * ended is inactive even before the scheduled task has recorded it as
 * past_due. Reads are never gated on this.
 */
export function isSubscriptionActive(row: { status: SubscriptionStatus; currentPeriodEnd: Date }, now: Date = new Date()): boolean {
  return (row.status === 'trialing' || row.status === 'active') && now.getTime() < row.currentPeriodEnd.getTime();
}

/** Throws 402 SUBSCRIPTION_INACTIVE unless the subscription allows new bookings (use before any write that books). */
export function assertSubscriptionActive(
  row: { status: SubscriptionStatus; currentPeriodEnd: Date } | null | undefined,
  now: Date = new Date(),
): void {
  if (row && isSubscriptionActive(row, now)) return;
  throw new DomainError(
    'SUBSCRIPTION_INACTIVE',
    'The hospital\'s subscription is not active; reads still work, new bookings need an active plan (POST /v1/hospitals/me/subscription)',
    row ? { status: row.status, currentPeriodEnd: row.currentPeriodEnd.toISOString() } : { status: null },
  );
}

/** The end of a billing period that starts at `start`: one calendar month or year later in UTC (Jan 31 + 1 month = Feb 28/29). */
export function periodEnd(start: Date, interval: 'month' | 'year'): Date {
  const end = Temporal.Instant.fromEpochMilliseconds(start.getTime())
    .toZonedDateTimeISO('UTC')
    .add(interval === 'month' ? { months: 1 } : { years: 1 });
  return new Date(end.epochMilliseconds);
}

/**
 * 403 PLAN_LIMIT_REACHED when one more would exceed `limit`
 * (details: `{ limit, current, plan, limitName }`). `current` must be counted
 * after lockSubscriptionLimits in the same transaction.
 */
export function assertBelowLimit(limitName: CountedLimit, subscription: { plan: Pick<SubscriptionWithPlan['plan'], CountedLimit | 'code'> }, current: number, what: string): void {
  const limit = subscription.plan[limitName];
  if (current < limit) return;
  const plan = subscription.plan.code;
  throw new DomainError(
    'PLAN_LIMIT_REACHED',
    `The "${plan}" plan allows ${limit} ${what}; the hospital has ${current}. Upgrade the plan to add more.`,
    { limit, current, plan, limitName },
  );
}

/** Each counted limit of the plan that current usage exceeds, with both numbers. */
export function exceededLimits(plan: Pick<PlanRow, 'maxDoctors' | 'maxAppointmentsPerMonth'>, usage: Usage) {
  const exceeded: Partial<Record<CountedLimit, { limit: number; current: number }>> = {};
  if (usage.doctors > plan.maxDoctors) exceeded.maxDoctors = { limit: plan.maxDoctors, current: usage.doctors };
  if (usage.appointmentsThisMonth > plan.maxAppointmentsPerMonth) {
    exceeded.maxAppointmentsPerMonth = { limit: plan.maxAppointmentsPerMonth, current: usage.appointmentsThisMonth };
  }
  return exceeded;
}

/** 403 PLAN_LIMIT_REACHED naming every limit the hospital is already over on `plan`. */
export function assertUsageFits(plan: Pick<PlanRow, 'code' | 'maxDoctors' | 'maxAppointmentsPerMonth'>, usage: Usage): void {
  const exceeded = exceededLimits(plan, usage);
  if (Object.keys(exceeded).length === 0) return;
  const sentence = Object.entries(exceeded)
    .map(([name, n]) => `${name} ${n.limit} (currently ${n.current})`)
    .join(', ');
  // The first limit flattened as assertBelowLimit reports one (limitName, limit, current), every one under `exceeded`.
  const [limitName, first] = Object.entries(exceeded)[0]!;
  throw new DomainError('PLAN_LIMIT_REACHED', `The hospital's current usage exceeds the "${plan.code}" plan: ${sentence}`, {
    plan: plan.code,
    limitName,
    limit: first.limit,
    current: first.current,
    exceeded,
  });
}
