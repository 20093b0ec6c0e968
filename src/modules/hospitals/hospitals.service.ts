// The hospitals module owns the hospital itself: registration (with its owner and trial), its details behind a one-time code, its settings.
import { randomUUID } from 'node:crypto';
import type { Cache } from '../../infra/cache/cache-aside.ts';
import type { Db } from '../../infra/db/client.ts';
import { isConstraintViolation, PG_UNIQUE_VIOLATION } from '../../infra/db/errors.ts';
import type { ReadRouting } from '../../infra/db/replica.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { DomainError, notFound, validation } from '../../shared/errors.ts';
import { canonicalTimeZone } from '../../shared/timezone.ts';
import { canonicalLanguageTag } from '../../shared/language.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import { insertMember } from '../members/members.repo.ts';
import { enqueueJob } from '../notifications/jobs.ts';
import type { OtpService } from '../otp/otp.service.ts';
import { findDefaultPlan, insertSubscription } from '../subscriptions/subscriptions.repo.ts';
import { findHospital, findHospitalBySubdomain, insertHospital, updateHospital, type HospitalRow } from './hospitals.repo.ts';
import { RESERVED_SUBDOMAINS, type CreateHospitalInput, type UpdateHospitalInput, type UpdateSettingsInput } from './hospitals.schemas.ts';

const DAY_MS = 86_400_000;

export interface HospitalServiceDeps {
  db: Db;
  /** The public page reads the replica when there is one. */
  reads: ReadRouting;
  cache: Cache;
  otp: OtpService;
  /** CACHE_HOSPITAL_TTL_SECONDS */
  cacheTtlSeconds: number;
}

/** Cache key of a hospital row (GET /v1/hospitals/me, settings); invalidated by every write to it. */
export const hospitalCacheKey = (hospitalId: string) => `hospital:${hospitalId}`;

/** Cached rows are JSON: the timestamps come back as strings. */
function reviveHospital(parsed: unknown): HospitalRow {
  const row = parsed as HospitalRow & { createdAt: string; updatedAt: string };
  return { ...row, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) };
}

/** `clinic@example.org` -> `c***@example.org`: enough to recognise, not to harvest. */
function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

const UPDATE_PURPOSE = 'hospital.update' as const;

export function checkTimeZone(name: string): string {
  const zone = canonicalTimeZone(name);
  if (!zone) {
    throw validation(`"${name}" is not an IANA time zone (e.g. Europe/Berlin, America/New_York)`, {
      fields: [{ field: 'timezone', message: 'must be an IANA time zone' }],
    });
  }
  return zone;
}

export function createHospitalService({ db, reads, cache, otp, cacheTtlSeconds }: HospitalServiceDeps) {
  /** Every change to a hospital row: the update and its audit event in one transaction, then the cache entry dropped. */
  async function applyUpdate(actor: Actor & { hospitalId: string }, values: Partial<HospitalRow>, action: string, changes: string[]) {
    const row = await withTenant(db, actor, async (scope) => {
      const updated = await updateHospital(scope, values);
      if (!updated) throw notFound('Hospital');
      await recordAudit(scope, { action, entityType: 'hospital', entityId: actor.hospitalId, changes });
      return updated;
    });
    await cache.invalidate(hospitalCacheKey(actor.hospitalId));
    return row;
  }

  const service = {
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
        return await withTenant(db, { ...actor, hospitalId }, async (scope) => {
          const plan = await findDefaultPlan(scope.tx);
          if (!plan) throw new DomainError('SERVICE_UNAVAILABLE', 'No default subscription plan is configured');
          const hospital = await insertHospital(scope, {
            name: input.name,
            subdomain: input.subdomain,
            email: input.email.toLowerCase(),
            phone: input.phone ?? null,
            address: input.address ?? null,
            timezone,
          });
          await insertMember(scope, { userId: actor.userId, email: actor.email ?? hospital.email, role: 'owner' });
          const now = new Date();
          await insertSubscription(scope, {
            planId: plan.id,
            status: 'trialing',
            currentPeriodStart: now,
            currentPeriodEnd: new Date(now.getTime() + Math.max(plan.trialDays, 1) * DAY_MS),
          });
          await enqueueJob(scope, {
            channel: 'email',
            template: 'welcome',
            to: hospital.email,
            data: { hospitalName: hospital.name, subdomain: hospital.subdomain },
          });
          await recordAudit(scope, { action: 'hospital.registered', entityType: 'hospital', entityId: hospitalId });
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

    /** Cache-aside (CACHE_HOSPITAL_TTL_SECONDS); PostgreSQL answers when the cache cannot. */
    async get(hospitalId: string): Promise<HospitalRow> {
      const row = await cache.getOrLoad(
        hospitalCacheKey(hospitalId),
        cacheTtlSeconds,
        () => withTenant(db, hospitalId, findHospital),
        // Read by nearly every request of a hospital's staff: kept in process too, invalidated as exactly as the shared entry.
        { revive: reviveHospital, inProcess: true },
      );
      if (!row) throw notFound('Hospital');
      return row;
    },

    async getPublic(subdomain: string): Promise<HospitalRow> {
      const row = await reads.read(null, (replica) => findHospitalBySubdomain(replica, subdomain.toLowerCase()));
      if (!row) throw notFound('Hospital');
      return row;
    },

    async updateSettings(actor: Actor & { hospitalId: string }, input: UpdateSettingsInput): Promise<HospitalRow> {
      const values = { ...input };
      if (input.defaultLanguage !== undefined) {
        const canonical = canonicalLanguageTag(input.defaultLanguage);
        if (!canonical) {
          throw validation('Invalid body: defaultLanguage must be a BCP 47 language tag, e.g. es or de-AT', {
            fields: [{ field: 'defaultLanguage', in: 'body', message: 'must be a BCP 47 language tag, e.g. es or de-AT' }],
          });
        }
        values.defaultLanguage = canonical;
      }
      return applyUpdate(actor, values, 'hospital.settings_updated', Object.keys(input));
    },

    /**
     * Emails a one-time code to the hospital's address (outbox, template
     * `otp`). The code is in the outbox payload only: never logged, never in
     * the response. RATE_LIMITED past the request limits; 503 without Redis.
     */
    async requestUpdateOtp(actor: Actor & { hospitalId: string }): Promise<{ expiresInSeconds: number; sentTo: string }> {
      const hospital = await service.get(actor.hospitalId);
      const { code, expiresInSeconds } = await otp.issue(actor.hospitalId, UPDATE_PURPOSE);
      try {
        await withTenant(db, actor, async (scope) => {
          await enqueueJob(scope, {
            channel: 'email',
            template: 'otp',
            to: hospital.email,
            data: { code, hospitalName: hospital.name, purpose: UPDATE_PURPOSE, expiresInMinutes: Math.ceil(expiresInSeconds / 60) },
          });
          await recordAudit(scope, {
            action: 'hospital.otp_requested',
            entityType: 'hospital',
            entityId: actor.hospitalId,
            metadata: { purpose: UPDATE_PURPOSE },
          });
        });
      } catch (err) {
        // The email will not go out: do not leave a live code nobody received.
        await otp.revoke(actor.hospitalId, UPDATE_PURPOSE);
        throw err;
      }
      return { expiresInSeconds, sentTo: maskEmail(hospital.email) };
    },

    /**
     * Changes the hospital's details behind a one-time code. The request is
     * checked in full before the code is, so a bad request does not cost an
     * attempt; a good code is consumed even if the write then fails.
     */
    async update(actor: Actor & { hospitalId: string }, input: UpdateHospitalInput): Promise<HospitalRow> {
      const { otp: code, ...changes } = input;
      if (!code) {
        throw new DomainError('OTP_REQUIRED', 'Changing hospital details needs a one-time code: POST /v1/hospitals/me/otp emails one to the hospital', {
          fields: [{ field: 'otp', message: 'is required' }],
        });
      }
      const fields = Object.keys(changes) as (keyof typeof changes)[];
      if (fields.length === 0) {
        throw validation('Nothing to change: send at least one of name, email, phone, address, timezone', {
          fields: [{ field: 'body', message: 'has no field to change' }],
        });
      }
      const values: Partial<HospitalRow> = { ...changes };
      if (changes.timezone !== undefined) values.timezone = checkTimeZone(changes.timezone);
      if (changes.email !== undefined) values.email = changes.email.toLowerCase();
      await otp.verify(actor.hospitalId, UPDATE_PURPOSE, code);
      return applyUpdate(actor, values, 'hospital.updated', fields);
    },
  };
  return service;
}

export type HospitalService = ReturnType<typeof createHospitalService>;
