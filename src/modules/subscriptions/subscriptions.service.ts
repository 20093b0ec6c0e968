// The subscriptions module owns plans and each hospital's subscription: the plan's limits, what counts against them, changes and expiry.
import type { Db } from '../../infra/db/client.ts';
import type { SubscriptionStatus } from '../../infra/db/schema/subscriptions.ts';
import { withTenant, type ScopeActor, type TenantScope } from '../../infra/db/tenant.ts';
import { decodeTimeCursor, pageOf } from '../../shared/cursor.ts';
import { notFound, validation } from '../../shared/errors.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import { findHospital } from '../hospitals/hospitals.repo.ts';
import { assertUsageFits, isSubscriptionActive, periodEnd } from './plan-policy.ts';
import type { AdminSetSubscriptionInput, ChangePlanInput, PageQueryInput } from './subscriptions.schemas.ts';
import {
  findPlanByCode,
  findSubscription,
  listHospitalsWithSubscriptions,
  lockSubscriptionLimits,
  updateSubscription,
  type PlanRow,
  type SubscriptionWithPlan,
} from './subscriptions.repo.ts';
import { adminHospitalView, subscriptionWithUsageView } from './subscriptions.views.ts';
import { usageOf, usageOfHospital } from './usage.ts';

type TenantActor = Actor & { hospitalId: string };

const DAY_MS = 86_400_000;

function planCodeError(message: string) {
  return validation(message, { fields: [{ field: 'planCode', message }] });
}

/**
 * Locks the hospital's subscription row for the rest of the transaction: the
 * same lock every limit check at the point of use takes, so a plan change and
 * a doctor creation or booking cannot pass each other.
 */
async function lockSubscription(scope: TenantScope): Promise<SubscriptionWithPlan> {
  const current = await lockSubscriptionLimits(scope);
  if (!current) throw notFound('Subscription');
  return current;
}

/** The field names that differ between two subscription states (audit `changes`). */
function changedFields(before: SubscriptionWithPlan, after: { planId: string; status: SubscriptionStatus; currentPeriodStart: Date; currentPeriodEnd: Date }) {
  const names: string[] = [];
  if (before.planId !== after.planId) names.push('plan');
  if (before.status !== after.status) names.push('status');
  if (before.currentPeriodStart.getTime() !== after.currentPeriodStart.getTime()) names.push('currentPeriodStart');
  if (before.currentPeriodEnd.getTime() !== after.currentPeriodEnd.getTime()) names.push('currentPeriodEnd');
  return names;
}

export function createSubscriptionService({ db }: { db: Db }) {
  async function viewOf(scope: TenantScope, now: Date) {
    const current = await findSubscription(scope);
    if (!current) throw notFound('Subscription');
    return subscriptionWithUsageView(current, current.plan, await usageOfHospital(scope, now), now);
  }

  async function apply(
    scope: TenantScope<ScopeActor>,
    before: SubscriptionWithPlan,
    plan: PlanRow,
    next: { status: SubscriptionStatus; currentPeriodStart: Date; currentPeriodEnd: Date },
    action: string,
  ) {
    const after = { planId: plan.id, ...next };
    const changes = changedFields(before, after);
    if (changes.length === 0) return;
    await updateSubscription(scope, after);
    await recordAudit(scope, {
      action,
      entityType: 'subscription',
      entityId: before.id,
      changes,
      metadata: {
        from: { plan: before.plan.code, status: before.status },
        to: { plan: plan.code, status: next.status },
      },
    });
  }

  return {
    async get(hospitalId: string) {
      const now = new Date();
      return withTenant(db, hospitalId, (scope) => viewOf(scope, now));
    },

    /**
     * The owner picks a plan. Refused (PLAN_LIMIT_REACHED, with the numbers)
     * when current usage exceeds it. No payment provider is wired in: an
     * active paid period on the same billing interval keeps its dates (the
     * new limits apply at once); anything else — a trial, an ended or
     * cancelled subscription, a change of interval — starts a new active
     * period now.
     */
    async changePlan(actor: TenantActor, input: ChangePlanInput) {
      const now = new Date();
      return withTenant(db, actor, async (scope) => {
        const plan = await findPlanByCode(scope.tx, input.planCode);
        if (!plan || !plan.active) throw planCodeError(`There is no available plan "${input.planCode}"`);
        if (plan.isDefault && plan.trialDays > 0) {
          throw planCodeError(`"${plan.code}" is the trial plan, given once when a hospital registers`);
        }
        const before = await lockSubscription(scope);
        assertUsageFits(plan, await usageOfHospital(scope, now));
        const keepsPeriod =
          before.status === 'active' && isSubscriptionActive(before, now) && before.plan.interval === plan.interval;
        const next = keepsPeriod
          ? { status: before.status, currentPeriodStart: before.currentPeriodStart, currentPeriodEnd: before.currentPeriodEnd }
          : { status: 'active' as const, currentPeriodStart: now, currentPeriodEnd: periodEnd(now, plan.interval) };
        await apply(scope, before, plan, next, 'subscription.plan_changed');
        return viewOf(scope, now);
      });
    },

    /** Operators: hospitals newest first, each with its subscription and usage. */
    async adminListHospitals(query: PageQueryInput) {
      const now = new Date();
      const after = decodeTimeCursor(query.cursor);
      const rows = await listHospitalsWithSubscriptions(db, after, query.limit);
      const { items, nextCursor } = pageOf(
        rows.map((r) => ({ ...r, id: r.hospital.id })),
        query.limit,
        (r) => r.cursorKey,
      );
      const usage = await usageOf(db, items.map((r) => r.id), now);
      return {
        items: items.map((r) => adminHospitalView(r.hospital, r.subscription, r.plan, usage.get(r.id), now)),
        nextCursor,
      };
    },

    /**
     * Operators set what was sold: any existing plan (also a retired one),
     * status `active` unless given. Usage above the plan's limits does not
     * refuse this (the operator decides); the hospital then cannot add beyond
     * the limits. A new plan or status starts a new period now, ending at
     * `currentPeriodEnd` or one billing interval (a trial: its trial days) later.
     */
    async adminSetSubscription(actor: Actor, hospitalId: string, input: AdminSetSubscriptionInput) {
      const now = new Date();
      return withTenant(db, { ...actor, hospitalId }, async (scope) => {
        if (!(await findHospital(scope))) throw notFound('Hospital');
        const plan = await findPlanByCode(scope.tx, input.planCode);
        if (!plan) throw planCodeError(`There is no plan "${input.planCode}"`);
        const before = await lockSubscription(scope);
        const status = input.status ?? 'active';
        const restarts = before.planId !== plan.id || before.status !== status;
        const currentPeriodStart = restarts ? now : before.currentPeriodStart;
        const defaultEnd =
          status === 'trialing' && plan.trialDays > 0 ? new Date(now.getTime() + plan.trialDays * DAY_MS) : periodEnd(now, plan.interval);
        const currentPeriodEnd = input.currentPeriodEnd
          ? new Date(input.currentPeriodEnd)
          : restarts
            ? defaultEnd
            : before.currentPeriodEnd;
        if (currentPeriodEnd.getTime() <= currentPeriodStart.getTime()) {
          throw validation('currentPeriodEnd must be after the period start', {
            fields: [{ field: 'currentPeriodEnd', message: `must be after ${currentPeriodStart.toISOString()}` }],
          });
        }
        await apply(scope, before, plan, { status, currentPeriodStart, currentPeriodEnd }, 'subscription.set_by_operator');
        return viewOf(scope, now);
      });
    },
  };
}

export type SubscriptionService = ReturnType<typeof createSubscriptionService>;
