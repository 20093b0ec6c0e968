import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { TestApp } from './app.ts';
import type { RegisteredHospital } from './factories.ts';
import type { TestUser } from './member-factories.ts';

export const planBody = (overrides: Record<string, unknown> = {}) => ({
  code: `p-${randomBytes(5).toString('hex')}`,
  name: 'Test plan',
  priceCents: 1900,
  currency: 'EUR',
  interval: 'month',
  limits: { maxDoctors: 2, maxAppointmentsPerMonth: 50, smsEnabled: false },
  ...overrides,
});

/** A plan created through the operator API. */
export async function createPlan(t: TestApp, operator: TestUser, overrides: Record<string, unknown> = {}) {
  const res = await t.app.inject({ method: 'POST', url: '/v1/admin/plans', headers: operator.auth, payload: planBody(overrides) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data as { id: string; code: string };
}

export async function subscriptionOf(t: TestApp, h: RegisteredHospital) {
  const res = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me/subscription', headers: h.auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

/** Moves the hospital's current period so that it ends at `end` (30 days long). */
export async function setPeriodEnd(t: TestApp, hospitalId: string, end: string) {
  await t.deps.database.db.execute(
    sql`update hospital_subscriptions set current_period_start = ${end}::timestamptz - interval '30 days',
                                          current_period_end = ${end}::timestamptz where hospital_id = ${hospitalId}`,
  );
}

/** Moves a hospital onto a fresh plan with smsEnabled (the default plan has none), straight in the database. */
export async function useSmsPlan(t: TestApp, hospitalId: string): Promise<void> {
  const db = t.deps.database.db;
  const code = `sms-${randomBytes(4).toString('hex')}`;
  await db.execute(
    sql`insert into subscription_plans (code, name, price_cents, currency, interval, max_doctors, max_appointments_per_month, sms_enabled, trial_days, is_default, active)
        values (${code}, 'SMS plan', 0, 'USD', 'month', 10, 1000, true, 0, false, false)`,
  );
  await db.execute(sql`update hospital_subscriptions set plan_id = (select id from subscription_plans where code = ${code}) where hospital_id = ${hospitalId}::uuid`);
}
