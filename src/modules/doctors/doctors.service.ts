// The doctors module owns a hospital's doctors: their records, activation (counted against the plan's maxDoctors) and the public list.
import type { Db } from '../../infra/db/client.ts';
import { isConstraintViolation, PG_UNIQUE_VIOLATION } from '../../infra/db/errors.ts';
import { withTenantRead, type ReadRouting } from '../../infra/db/replica.ts';
import { withTenant, type TenantScope } from '../../infra/db/tenant.ts';
import { decodeCursor, pageOf } from '../../shared/cursor.ts';
import { DomainError, notFound } from '../../shared/errors.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import { findHospitalBySubdomain } from '../hospitals/hospitals.repo.ts';
import { assertBelowLimit } from '../subscriptions/plan-policy.ts';
import { lockSubscriptionLimits } from '../subscriptions/subscriptions.repo.ts';
import { countDoctors } from '../subscriptions/usage.ts';
import { findDoctor, insertDoctor, listDoctors, updateDoctor, type DoctorRow } from './doctors.repo.ts';
import type { CreateDoctorInput, ListDoctorsInput, UpdateDoctorInput } from './doctors.schemas.ts';

type TenantActor = Actor & { hospitalId: string };

const emailTaken = (email: string | undefined) =>
  new DomainError('DOCTOR_EMAIL_TAKEN', `An active doctor with ${email ? `the email ${email}` : 'this email'} already exists in this hospital`, {
    field: 'email',
  });

/** 403 PLAN_LIMIT_REACHED unless one more active doctor fits the plan; the subscription row stays locked until commit. */
async function assertDoctorPlaceFree(scope: TenantScope): Promise<void> {
  const subscription = await lockSubscriptionLimits(scope);
  if (!subscription) throw new DomainError('SUBSCRIPTION_INACTIVE', 'The hospital has no subscription');
  assertBelowLimit('maxDoctors', subscription, await countDoctors(scope), 'active doctors');
}

/** `reads`: the list and the public list read the replica when there is one. */
export function createDoctorService({ db, reads }: { db: Db; reads: ReadRouting }) {
  async function writeGuarded<T>(email: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isConstraintViolation(err, PG_UNIQUE_VIOLATION, 'doctors_hospital_email_active_key')) throw emailTaken(email);
      throw err;
    }
  }

  return {
    /**
     * Counted against the plan's maxDoctors under the subscription row lock,
     * so N concurrent creations at the limit admit exactly the free places.
     */
    async create(actor: TenantActor, input: CreateDoctorInput): Promise<DoctorRow> {
      const email = input.email.toLowerCase();
      return writeGuarded(email, () =>
        withTenant(db, actor, async (scope) => {
          await assertDoctorPlaceFree(scope);
          const row = await insertDoctor(scope, {
            name: input.name.trim(),
            email,
            phone: input.phone ?? null,
            specialization: input.specialization?.trim() ?? null,
            slotMinutes: input.slotMinutes ?? 30,
          });
          await recordAudit(scope, {
            action: 'doctor.created',
            entityType: 'doctor',
            entityId: row.id,
            changes: Object.keys(input),
          });
          return row;
        }),
      );
    },

    async list(actor: TenantActor, query: ListDoctorsInput) {
      const { hospitalId } = actor;
      const limit = query.limit ?? 20;
      const after = decodeCursor(query.cursor);
      const rows = await withTenantRead(reads, actor, hospitalId, (scope) =>
        listDoctors(scope, { limit, after, ...(query.active === undefined ? {} : { active: query.active }) }),
      );
      return pageOf(rows, limit, (r) => r.name);
    },

    async get(hospitalId: string, doctorId: string): Promise<DoctorRow> {
      const row = await withTenant(db, hospitalId, (scope) => findDoctor(scope, doctorId));
      if (!row) throw notFound('Doctor');
      return row;
    },

    async update(actor: TenantActor, doctorId: string, input: UpdateDoctorInput): Promise<DoctorRow> {
      const email = input.email?.toLowerCase();
      return writeGuarded(email, () =>
        withTenant(db, actor, async (scope) => {
          const current = await findDoctor(scope, doctorId, { forUpdate: true });
          if (!current) throw notFound('Doctor');
          const changes: Parameters<typeof updateDoctor>[2] = {};
          if (input.name !== undefined) changes.name = input.name.trim();
          if (email !== undefined) changes.email = email;
          if (input.phone !== undefined) changes.phone = input.phone;
          if (input.specialization !== undefined) changes.specialization = input.specialization?.trim() ?? null;
          if (input.slotMinutes !== undefined) changes.slotMinutes = input.slotMinutes;
          if (input.active === true && !current.active) {
            await assertDoctorPlaceFree(scope);
            Object.assign(changes, { active: true, deactivatedAt: null });
          } else if (input.active === false && current.active) {
            Object.assign(changes, { active: false, deactivatedAt: new Date() });
          }
          const row = await updateDoctor(scope, doctorId, changes);
          const action =
            changes.active === false ? 'doctor.deactivated' : changes.active === true ? 'doctor.reactivated' : 'doctor.updated';
          await recordAudit(scope, { action, entityType: 'doctor', entityId: doctorId, changes: Object.keys(input) });
          return row!;
        }),
      );
    },

    /** DELETE: deactivates and keeps the record (appointments and notes point at it). Idempotent. */
    async deactivate(actor: TenantActor, doctorId: string): Promise<DoctorRow> {
      return withTenant(db, actor, async (scope) => {
        const current = await findDoctor(scope, doctorId, { forUpdate: true });
        if (!current) throw notFound('Doctor');
        if (!current.active) return current;
        const row = await updateDoctor(scope, doctorId, { active: false, deactivatedAt: new Date() });
        await recordAudit(scope, { action: 'doctor.deactivated', entityType: 'doctor', entityId: doctorId, changes: ['active'] });
        return row!;
      });
    },

    /** The public list of a hospital found by subdomain: active doctors only. */
    async listPublic(subdomain: string, query: { limit?: number; cursor?: string }) {
      const hospital = await reads.read(null, (replica) => findHospitalBySubdomain(replica, subdomain.toLowerCase()));
      if (!hospital) throw notFound('Hospital');
      const limit = query.limit ?? 20;
      const after = decodeCursor(query.cursor);
      const rows = await withTenantRead(reads, null, hospital.id, (scope) => listDoctors(scope, { limit, after, active: true }));
      return pageOf(rows, limit, (r) => r.name);
    },
  };
}

export type DoctorService = ReturnType<typeof createDoctorService>;
