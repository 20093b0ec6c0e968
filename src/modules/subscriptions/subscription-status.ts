import { Temporal } from 'temporal-polyfill';
import type { SubscriptionStatus } from '../../infra/db/schema/subscriptions.ts';
import { DomainError } from '../../shared/errors.ts';

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
