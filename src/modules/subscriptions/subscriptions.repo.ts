import { eq } from 'drizzle-orm';
import type { Executor } from '../../infra/db/client.ts';
import { hospitalSubscriptions, subscriptionPlans } from '../../infra/db/schema/subscriptions.ts';

export type PlanRow = typeof subscriptionPlans.$inferSelect;
export type SubscriptionRow = typeof hospitalSubscriptions.$inferSelect;

export async function findDefaultPlan(tx: Executor): Promise<PlanRow | null> {
  const [row] = await tx.select().from(subscriptionPlans).where(eq(subscriptionPlans.isDefault, true)).limit(1);
  return row ?? null;
}

export async function insertSubscription(tx: Executor, values: typeof hospitalSubscriptions.$inferInsert): Promise<SubscriptionRow> {
  const [row] = await tx.insert(hospitalSubscriptions).values(values).returning();
  return row!;
}
