import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../src/deps.ts';

/** Seeding goes through the API's own routes (in-process inject), so the data is what a client would have made; any refusal stops the bench. */
export function injector(app: FastifyInstance, headers: Record<string, string>) {
  return async (method: 'POST' | 'PUT' | 'PATCH', url: string, payload: object): Promise<{ id: string }> => {
    const res = await app.inject({ method, url, headers, payload });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return (res.json() as { data: { id: string } }).data;
  };
}

/** Moves the hospital to a plan without a practical monthly limit, so the limit check runs on every booking but never refuses. */
export async function unlimitedPlan(deps: Deps, hospitalId: string): Promise<void> {
  const plan = `bench-${randomUUID().slice(0, 8)}`;
  await deps.database.db.execute(
    sql`insert into subscription_plans (code, name, price_cents, currency, interval, max_doctors, max_appointments_per_month, sms_enabled, trial_days, is_default, active)
        values (${plan}, 'Bench', 0, 'USD', 'month', 100, 100000000, false, 0, false, false)`,
  );
  await deps.database.db.execute(sql`update hospital_subscriptions set plan_id = (select id from subscription_plans where code = ${plan}) where hospital_id = ${hospitalId}::uuid`);
}
