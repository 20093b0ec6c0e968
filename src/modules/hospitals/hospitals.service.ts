import { randomUUID } from 'node:crypto';
import type { Db } from '../../infra/db/client.ts';
import { isConstraintViolation, PG_UNIQUE_VIOLATION } from '../../infra/db/errors.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { enqueue } from '../../infra/queue/outbox.ts';
import { DomainError, notFound, validation } from '../../shared/errors.ts';
import { canonicalTimeZone } from '../../shared/timezone.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import { insertMember } from '../members/members.write.ts';
import { findDefaultPlan, insertSubscription } from '../subscriptions/subscriptions.repo.ts';
import { findHospital, findHospitalBySubdomain, insertHospital, updateHospital, type HospitalRow } from './hospitals.repo.ts';
import { RESERVED_SUBDOMAINS, type CreateHospitalInput, type UpdateSettingsInput } from './hospitals.schemas.ts';

const DAY_MS = 86_400_000;

export interface HospitalServiceDeps {
  db: Db;
}

export function checkTimeZone(name: string): string {
  const zone = canonicalTimeZone(name);
  if (!zone) {
    throw validation(`"${name}" is not an IANA time zone (e.g. Europe/Berlin, America/New_York)`, {
      fields: [{ field: 'timezone', message: 'must be an IANA time zone' }],
    });
  }
  return zone;
}

export function createHospitalService({ db }: HospitalServiceDeps) {
  return {
    /**
     * One transaction: hospital, owner membership, trial subscription on the
     * default plan, the welcome email (outbox) and an audit event. The unique
     * indexes decide races: the loser gets SUBDOMAIN_TAKEN or HOSPITAL_EXISTS
     * and nothing of its attempt remains.
     */
    async register(actor: Actor & { email: string | null }, input: CreateHospitalInput): Promise<HospitalRow> {
      if (actor.hospitalId) throw new DomainError('HOSPITAL_EXISTS', 'You already belong to a hospital');
      if (RESERVED_SUBDOMAINS.has(input.subdomain)) {
        throw validation(`The subdomain "${input.subdomain}" is reserved`, {
          fields: [{ field: 'subdomain', message: 'is reserved' }],
        });
      }
      const timezone = checkTimeZone(input.timezone);
      const hospitalId = randomUUID();
      try {
        return await withTenant(db, hospitalId, async (tx) => {
          const plan = await findDefaultPlan(tx);
          if (!plan) throw new DomainError('SERVICE_UNAVAILABLE', 'No default subscription plan is configured');
          const hospital = await insertHospital(tx, {
            id: hospitalId,
            name: input.name,
            subdomain: input.subdomain,
            email: input.email.toLowerCase(),
            phone: input.phone ?? null,
            address: input.address ?? null,
            timezone,
          });
          await insertMember(tx, hospitalId, { userId: actor.userId, email: actor.email ?? hospital.email, role: 'owner' });
          const now = new Date();
          await insertSubscription(tx, {
            hospitalId,
            planId: plan.id,
            status: 'trialing',
            currentPeriodStart: now,
            currentPeriodEnd: new Date(now.getTime() + Math.max(plan.trialDays, 1) * DAY_MS),
          });
          await enqueue(tx, {
            hospitalId,
            queue: 'email_notifications',
            type: 'email',
            payload: {
              template: 'welcome',
              to: hospital.email,
              data: { hospitalName: hospital.name, subdomain: hospital.subdomain },
            },
          });
          await recordAudit(tx, hospitalId, actor, { action: 'hospital.registered', entityType: 'hospital', entityId: hospitalId });
          return hospital;
        });
      } catch (err) {
        if (isConstraintViolation(err, PG_UNIQUE_VIOLATION, 'hospitals_subdomain_key')) {
          throw new DomainError('SUBDOMAIN_TAKEN', `The subdomain "${input.subdomain}" is taken`);
        }
        if (isConstraintViolation(err, PG_UNIQUE_VIOLATION, 'hospital_members_user_id_key')) {
          throw new DomainError('HOSPITAL_EXISTS', 'You already belong to a hospital');
        }
        throw err;
      }
    },

    async get(hospitalId: string): Promise<HospitalRow> {
      const row = await withTenant(db, hospitalId, (tx) => findHospital(tx, hospitalId));
      if (!row) throw notFound('Hospital');
      return row;
    },

    async getPublic(subdomain: string): Promise<HospitalRow> {
      const row = await findHospitalBySubdomain(db, subdomain.toLowerCase());
      if (!row) throw notFound('Hospital');
      return row;
    },

    async updateSettings(actor: Actor & { hospitalId: string }, input: UpdateSettingsInput): Promise<HospitalRow> {
      return withTenant(db, actor.hospitalId, async (tx) => {
        const row = await updateHospital(tx, actor.hospitalId, input);
        if (!row) throw notFound('Hospital');
        await recordAudit(tx, actor.hospitalId, actor, {
          action: 'hospital.settings_updated',
          entityType: 'hospital',
          entityId: actor.hospitalId,
          changes: Object.keys(input),
        });
        return row;
      });
    },
  };
}

export type HospitalService = ReturnType<typeof createHospitalService>;
