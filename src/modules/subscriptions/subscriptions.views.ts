import { isSubscriptionActive } from './plan-policy.ts';
import type { HospitalRow, PlanRow, SubscriptionRow } from './subscriptions.repo.ts';
import { NO_USAGE, type Usage } from './usage.ts';

/** The plan as a subscription shows it: what was sold, at what price, with which limits. */
const planSummary = (plan: PlanRow) => ({
  id: plan.id,
  code: plan.code,
  name: plan.name,
  priceCents: plan.priceCents,
  currency: plan.currency,
  interval: plan.interval,
  limits: { maxDoctors: plan.maxDoctors, maxAppointmentsPerMonth: plan.maxAppointmentsPerMonth, smsEnabled: plan.smsEnabled },
});

export function planView(plan: PlanRow) {
  return {
    ...planSummary(plan),
    trialDays: plan.trialDays,
    isDefault: plan.isDefault,
    active: plan.active,
    createdAt: plan.createdAt.toISOString(),
    updatedAt: plan.updatedAt.toISOString(),
  };
}
export type PlanView = ReturnType<typeof planView>;

export function subscriptionView(subscription: SubscriptionRow, plan: PlanRow, now: Date = new Date()) {
  return {
    id: subscription.id,
    hospitalId: subscription.hospitalId,
    plan: planSummary(plan),
    status: subscription.status,
    currentPeriodStart: subscription.currentPeriodStart.toISOString(),
    currentPeriodEnd: subscription.currentPeriodEnd.toISOString(),
    isActive: isSubscriptionActive(subscription, now),
    createdAt: subscription.createdAt.toISOString(),
    updatedAt: subscription.updatedAt.toISOString(),
  };
}

export function subscriptionWithUsageView(subscription: SubscriptionRow, plan: PlanRow, usage: Usage, now: Date = new Date()) {
  return { ...subscriptionView(subscription, plan, now), usage };
}

export function adminHospitalView(
  hospital: HospitalRow,
  subscription: SubscriptionRow | null,
  plan: PlanRow | null,
  usage: Usage = NO_USAGE,
  now: Date = new Date(),
) {
  return {
    id: hospital.id,
    name: hospital.name,
    subdomain: hospital.subdomain,
    email: hospital.email,
    timezone: hospital.timezone,
    subscription: subscription && plan ? subscriptionView(subscription, plan, now) : null,
    usage,
    createdAt: hospital.createdAt.toISOString(),
    updatedAt: hospital.updatedAt.toISOString(),
  };
}
