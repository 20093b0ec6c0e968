import { sql } from 'drizzle-orm';
import { rawRows, type Executor } from '../../infra/db/client.ts';
import type { SubscriptionStatus } from '../../infra/db/schema/subscriptions.ts';
import { DomainError } from '../../shared/errors.ts';

/** A hospital's subscription as a limit check needs it, read under a row lock. */
export interface LockedSubscription {
  status: SubscriptionStatus;
  currentPeriodEnd: Date;
  planCode: string;
  limits: {
    maxDoctors: number;
    maxAppointmentsPerMonth: number;
    smsEnabled: boolean;
  };
}

/**
 * Reads the hospital's subscription and plan limits and locks the
 * subscription row (`FOR UPDATE OF s`) until the caller's transaction ends.
 *
 * Every write that is counted against a limit (creating or reactivating a
 * doctor, booking an appointment) and every plan change takes this lock
 * first, so "count, compare, insert" runs one hospital at a time: two
 * concurrent creates cannot both pass the last free place. Only the
 * subscription row is locked, never the plan row that all hospitals on that
 * plan share. Must run inside a transaction (withTenant); returns null when
 * the hospital has no subscription.
 */
export async function lockSubscriptionLimits(tx: Executor, hospitalId: string): Promise<LockedSubscription | null> {
  const [row] = await rawRows<{
    status: SubscriptionStatus;
    current_period_end: Date | string;
    code: string;
    max_doctors: number;
    max_appointments_per_month: number;
    sms_enabled: boolean;
  }>(
    tx,
    sql`select s.status, s.current_period_end, p.code, p.max_doctors, p.max_appointments_per_month, p.sms_enabled
          from hospital_subscriptions s
          join subscription_plans p on p.id = s.plan_id
         where s.hospital_id = ${hospitalId}
           for update of s`,
  );
  if (!row) return null;
  return {
    status: row.status,
    currentPeriodEnd: new Date(row.current_period_end),
    planCode: row.code,
    limits: {
      maxDoctors: row.max_doctors,
      maxAppointmentsPerMonth: row.max_appointments_per_month,
      smsEnabled: row.sms_enabled,
    },
  };
}

/**
 * 403 PLAN_LIMIT_REACHED when one more would exceed `limit`
 * (details: `{ limit, current, plan, limitName }`). `current` must be counted
 * after lockSubscriptionLimits in the same transaction.
 */
export function assertBelowLimit(
  limitName: 'maxDoctors' | 'maxAppointmentsPerMonth',
  subscription: LockedSubscription,
  current: number,
  what: string,
): void {
  const limit = subscription.limits[limitName];
  if (current < limit) return;
  throw new DomainError(
    'PLAN_LIMIT_REACHED',
    `The "${subscription.planCode}" plan allows ${limit} ${what}; the hospital has ${current}. Upgrade the plan to add more.`,
    { limit, current, plan: subscription.planCode, limitName },
  );
}
