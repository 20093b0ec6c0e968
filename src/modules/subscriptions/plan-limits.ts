import { DomainError } from '../../shared/errors.ts';
import type { PlanRow } from './subscriptions.repo.ts';
import type { Usage } from './usage.ts';

export type CountedLimit = 'maxDoctors' | 'maxAppointmentsPerMonth';

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
  // The first limit flattened as limits.ts reports one (limitName, limit, current), every one under `exceeded`.
  const [limitName, first] = Object.entries(exceeded)[0]!;
  throw new DomainError('PLAN_LIMIT_REACHED', `The hospital's current usage exceeds the "${plan.code}" plan: ${sentence}`, {
    plan: plan.code,
    limitName,
    limit: first.limit,
    current: first.current,
    exceeded,
  });
}
