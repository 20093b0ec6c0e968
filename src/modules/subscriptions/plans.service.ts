// The subscriptions module's plan catalogue: operators create and change plans; the public list is cached.
import { randomUUID } from 'node:crypto';
import type { Db, Tx } from '../../infra/db/client.ts';
import { isConstraintViolation, PG_UNIQUE_VIOLATION } from '../../infra/db/errors.ts';
import { DomainError, notFound } from '../../shared/errors.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import type { CreatePlanInput, UpdatePlanInput } from './subscriptions.schemas.ts';
import {
  clearDefaultPlan,
  findPlanById,
  insertPlan,
  listPlans,
  updatePlan,
  type PlanInsert,
  type PlanRow,
} from './subscriptions.repo.ts';
import { planView, type PlanView } from './subscriptions.views.ts';

/**
 * What the plan service needs of the cache-aside helper (`deps.cache`,
 * src/infra/cache/cache-aside.ts): the public list is cached (24 h by default)
 * and PLANS_CACHE_KEY is invalidated after every committed plan change.
 */
export interface PlansCache {
  getOrLoad(key: string, ttlSeconds: number, load: () => Promise<PlanView[]>): Promise<PlanView[]>;
  invalidate(key: string): Promise<void>;
}

export const PLANS_CACHE_KEY = 'plans:active';

function defaultConflict(): DomainError {
  return new DomainError('CONFLICT', 'Another plan became the default at the same time; retry');
}

export interface PlanServiceDeps {
  db: Db;
  cache: PlansCache;
  /** CACHE_PLANS_TTL_SECONDS (24 h by default). */
  cacheTtlSeconds: number;
}

export function createPlanService({ db, cache, cacheTtlSeconds }: PlanServiceDeps) {
  /** Runs a plan change, maps constraint races, and drops the cached list once it has committed. */
  async function change<T>(fn: (tx: Tx) => Promise<T>, code?: string): Promise<T> {
    try {
      const result = await db.transaction(fn);
      await cache.invalidate(PLANS_CACHE_KEY);
      return result;
    } catch (err) {
      if (isConstraintViolation(err, PG_UNIQUE_VIOLATION, 'subscription_plans_code_key')) {
        throw new DomainError('PLAN_CODE_TAKEN', `A plan with the code "${code}" already exists`, { field: 'code' });
      }
      if (isConstraintViolation(err, PG_UNIQUE_VIOLATION, 'subscription_plans_single_default')) throw defaultConflict();
      throw err;
    }
  }

  return {
    /** Active plans, cheapest first, from the cache (24 h) or PostgreSQL. */
    listPublic(): Promise<PlanView[]> {
      return cache.getOrLoad(PLANS_CACHE_KEY, cacheTtlSeconds, async () =>
        (await listPlans(db, { activeOnly: true })).map(planView),
      );
    },

    async listAll(): Promise<PlanRow[]> {
      return listPlans(db, { activeOnly: false });
    },

    async create(actor: Actor, input: CreatePlanInput): Promise<PlanRow> {
      if (input.isDefault && input.active === false) {
        throw new DomainError('CONFLICT', 'The default plan must be active', { field: 'active' });
      }
      const id = randomUUID();
      return change(async (tx) => {
        if (input.isDefault) await clearDefaultPlan(tx, id);
        const plan = await insertPlan(tx, {
          id,
          code: input.code,
          name: input.name,
          priceCents: input.priceCents,
          currency: input.currency,
          interval: input.interval,
          maxDoctors: input.limits.maxDoctors,
          maxAppointmentsPerMonth: input.limits.maxAppointmentsPerMonth,
          smsEnabled: input.limits.smsEnabled ?? false,
          trialDays: input.trialDays ?? 0,
          isDefault: input.isDefault ?? false,
          active: input.active ?? true,
        });
        await recordAudit({ tx, hospitalId: null, actor }, { action: 'plan.created', entityType: 'plan', entityId: id, metadata: { code: plan.code } });
        return plan;
      }, input.code);
    },

    async update(actor: Actor, id: string, input: UpdatePlanInput): Promise<PlanRow> {
      return change(async (tx) => {
        const current = await findPlanById(tx, id);
        if (!current) throw notFound('Plan');
        const becomesDefault = input.isDefault === true && !current.isDefault;
        const willBeDefault = current.isDefault || becomesDefault;
        const willBeActive = input.active ?? current.active;
        if (willBeDefault && !willBeActive) {
          throw new DomainError(
            'CONFLICT',
            current.isDefault
              ? 'The default plan cannot be deactivated: make another plan the default first'
              : 'An inactive plan cannot become the default: activate it in the same request',
            { field: 'active' },
          );
        }
        const changes: Partial<PlanInsert> = {};
        const changed: string[] = [];
        const set = <K extends keyof PlanInsert>(key: K, value: PlanInsert[K] | undefined, name: string = key) => {
          if (value === undefined || value === current[key as keyof PlanRow]) return;
          changes[key] = value;
          changed.push(name);
        };
        set('name', input.name);
        set('priceCents', input.priceCents);
        set('currency', input.currency);
        set('interval', input.interval);
        set('maxDoctors', input.limits?.maxDoctors, 'limits.maxDoctors');
        set('maxAppointmentsPerMonth', input.limits?.maxAppointmentsPerMonth, 'limits.maxAppointmentsPerMonth');
        set('smsEnabled', input.limits?.smsEnabled, 'limits.smsEnabled');
        set('trialDays', input.trialDays);
        set('active', input.active);
        if (becomesDefault) {
          await clearDefaultPlan(tx, id);
          set('isDefault', true);
        }
        if (changed.length === 0) return current;
        const plan = (await updatePlan(tx, id, changes))!;
        await recordAudit({ tx, hospitalId: null, actor }, {
          action: 'plan.updated',
          entityType: 'plan',
          entityId: id,
          changes: changed,
          metadata: { code: plan.code },
        });
        return plan;
      });
    },
  };
}

export type PlanService = ReturnType<typeof createPlanService>;
