import { and, asc, desc, eq, ne, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../infra/db/client.ts';
import { parseRows, type RawResult } from '../../infra/db/parsers.ts';
import { afterCursor, microsecondKey } from '../../infra/db/fragments.ts';
import { hospitals } from '../../infra/db/schema/hospitals.ts';
import { hospitalSubscriptions, subscriptionPlans } from '../../infra/db/schema/subscriptions.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

export type PlanRow = typeof subscriptionPlans.$inferSelect;
export type PlanInsert = typeof subscriptionPlans.$inferInsert;
export type SubscriptionRow = typeof hospitalSubscriptions.$inferSelect;
export type SubscriptionWithPlan = SubscriptionRow & { plan: PlanRow };

// ---- plans (global: no tenant column, not under row-level security) ----

export async function findDefaultPlan(tx: Executor): Promise<PlanRow | null> {
  const [row] = await tx.select().from(subscriptionPlans).where(eq(subscriptionPlans.isDefault, true)).limit(1);
  return row ?? null;
}

/** Cheapest first: the order a pricing page shows them in. */
export async function listPlans(tx: Executor, { activeOnly }: { activeOnly: boolean }): Promise<PlanRow[]> {
  return tx
    .select()
    .from(subscriptionPlans)
    .where(activeOnly ? eq(subscriptionPlans.active, true) : undefined)
    .orderBy(asc(subscriptionPlans.priceCents), asc(subscriptionPlans.code));
}

export async function findPlanById(tx: Executor, id: string): Promise<PlanRow | null> {
  const [row] = await tx.select().from(subscriptionPlans).where(eq(subscriptionPlans.id, id)).limit(1);
  return row ?? null;
}

export async function findPlanByCode(tx: Executor, code: string): Promise<PlanRow | null> {
  const [row] = await tx.select().from(subscriptionPlans).where(eq(subscriptionPlans.code, code)).limit(1);
  return row ?? null;
}

export async function insertPlan(tx: Executor, values: PlanInsert): Promise<PlanRow> {
  const [row] = await tx.insert(subscriptionPlans).values(values).returning();
  return row!;
}

export async function updatePlan(tx: Executor, id: string, changes: Partial<PlanInsert>): Promise<PlanRow | null> {
  const [row] = await tx
    .update(subscriptionPlans)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(subscriptionPlans.id, id))
    .returning();
  return row ?? null;
}

/** Unsets the default flag on every plan but `keepId` (one default at a time; a partial unique index enforces it). */
export async function clearDefaultPlan(tx: Executor, keepId: string): Promise<void> {
  await tx
    .update(subscriptionPlans)
    .set({ isDefault: false, updatedAt: new Date() })
    .where(and(eq(subscriptionPlans.isDefault, true), ne(subscriptionPlans.id, keepId)));
}

// ---- hospital subscriptions (tenant rows) ----

export async function insertSubscription(
  scope: TenantScope,
  values: Omit<typeof hospitalSubscriptions.$inferInsert, 'hospitalId'>,
): Promise<SubscriptionRow> {
  const [row] = await scope.insert(hospitalSubscriptions, values).returning();
  return row!;
}

/** The hospital's subscription joined to its plan: the query behind findSubscription and lockSubscriptionLimits (lockSubscriptionLimitsSql takes the same lock reading less). */
function subscriptionQuery(scope: TenantScope, { forUpdate }: { forUpdate: boolean }) {
  const query = scope.tx
    .select({ subscription: hospitalSubscriptions, plan: subscriptionPlans })
    .from(hospitalSubscriptions)
    .innerJoin(subscriptionPlans, eq(subscriptionPlans.id, hospitalSubscriptions.planId))
    .where(scope.where(hospitalSubscriptions))
    .limit(1);
  // FOR UPDATE of the subscription row only, never of the plan row that all hospitals on that plan share.
  return forUpdate ? query.for('update', { of: hospitalSubscriptions }) : query;
}

/** The hospital's subscription and its plan; `forUpdate` locks the subscription row (never the shared plan row) for the rest of the transaction. */
export async function findSubscription(scope: TenantScope, { forUpdate = false }: { forUpdate?: boolean } = {}): Promise<SubscriptionWithPlan | null> {
  const [row] = await subscriptionQuery(scope, { forUpdate });
  return row ? { ...row.subscription, plan: row.plan } : null;
}

/**
 * Reads the hospital's subscription and plan and locks the subscription row
 * until the transaction ends; null when the hospital has none.
 *
 * Every write that is counted against a limit (creating or reactivating a
 * doctor, booking or moving an appointment) and every plan change takes this
 * lock first, so "count, compare, write" runs one at a time per hospital: two
 * concurrent creates cannot both pass the last free place. Only the
 * subscription row is locked, never the plan row that all hospitals on that
 * plan share.
 */
export function lockSubscriptionLimits(scope: TenantScope): Promise<SubscriptionWithPlan | null> {
  return findSubscription(scope, { forUpdate: true });
}

/** What a booking needs of the locked subscription: its state and the plan's limits. */
export interface SubscriptionLimits {
  status: SubscriptionRow['status'];
  currentPeriodEnd: Date;
  plan: Pick<PlanRow, 'code' | 'maxDoctors' | 'maxAppointmentsPerMonth'>;
}

/**
 * lockSubscriptionLimits as a statement of its own — the same row lock (FOR
 * UPDATE of the hospital's subscription row, never the shared plan row) —
 * for a caller that sends it with others in one round trip
 * (src/infra/db/batch.ts); `subscriptionLimitsOf` reads its rows. It reads
 * only what SubscriptionLimits holds: written out, not built by the query
 * builder, since every booking sends it (the builder's statement named every
 * column of both tables, and building it was a visible share of a booking's
 * CPU).
 */
export function lockSubscriptionLimitsSql(scope: TenantScope): SQL {
  const s = hospitalSubscriptions;
  const p = subscriptionPlans;
  return sql`select ${s.status}, ${s.currentPeriodEnd}, ${p.code}, ${p.maxDoctors}, ${p.maxAppointmentsPerMonth} from ${s} inner join ${p} on ${p.id} = ${s.planId} where ${scope.where(s)} limit 1 for update of ${s}`;
}

/**
 * Conditions for a write that comes in the same round trip as the lock
 * (src/modules/appointments: the booking's insert), so it cannot wait for
 * the locked row to be read first: the plan's limit, and whether the
 * subscription allows new bookings at `at` (isSubscriptionActive in SQL).
 * Statements after the lock read the row as it was when the lock was granted.
 */
export const planLimitSql = (hospitalId: SQL, column: 'max_appointments_per_month' | 'max_doctors') =>
  sql`(select p.${sql.raw(column)} from hospital_subscriptions s join subscription_plans p on p.id = s.plan_id where s.hospital_id = ${hospitalId})`;

export const subscriptionActiveSql = (hospitalId: SQL, at: SQL) =>
  sql`exists (select 1 from hospital_subscriptions s
               where s.hospital_id = ${hospitalId} and s.status in ('trialing', 'active') and s.current_period_end > ${at})`;

export function subscriptionLimitsOf(result: RawResult): SubscriptionLimits | null {
  const [row] = parseRows<{ status: SubscriptionRow['status']; current_period_end: Date; code: string; max_doctors: number; max_appointments_per_month: number }>(result);
  if (!row) return null;
  return {
    status: row.status,
    currentPeriodEnd: row.current_period_end,
    plan: { code: row.code, maxDoctors: row.max_doctors, maxAppointmentsPerMonth: row.max_appointments_per_month },
  };
}

export async function updateSubscription(
  scope: TenantScope,
  changes: Partial<Pick<SubscriptionRow, 'planId' | 'status' | 'currentPeriodStart' | 'currentPeriodEnd'>>,
): Promise<SubscriptionRow | null> {
  const [row] = await scope.update(hospitalSubscriptions, { ...changes, updatedAt: new Date() }).returning();
  return row ?? null;
}

// ---- operator views (across hospitals: run outside any tenant, by platform admins only) ----

export type HospitalRow = typeof hospitals.$inferSelect;

/** Hospitals newest first with their subscription and plan, keyset-paginated on (created_at, id). */
export async function listHospitalsWithSubscriptions(
  db: Executor,
  after: CursorPosition | null,
  limit: number,
): Promise<{ hospital: HospitalRow; subscription: SubscriptionRow | null; plan: PlanRow | null; cursorKey: string }[]> {
  return db
    .select({
      hospital: hospitals,
      subscription: hospitalSubscriptions,
      plan: subscriptionPlans,
      cursorKey: microsecondKey(hospitals.createdAt),
    })
    .from(hospitals)
    .leftJoin(hospitalSubscriptions, eq(hospitalSubscriptions.hospitalId, hospitals.id))
    .leftJoin(subscriptionPlans, eq(subscriptionPlans.id, hospitalSubscriptions.planId))
    .where(afterCursor(after, [hospitals.createdAt, hospitals.id], 'desc'))
    .orderBy(desc(hospitals.createdAt), desc(hospitals.id))
    .limit(limit + 1);
}
