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
