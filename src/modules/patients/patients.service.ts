// The patients module owns a hospital's patients: their records, contact details and chosen notification channel.
import { Temporal } from 'temporal-polyfill';
import type { Db } from '../../infra/db/client.ts';
import type { NotificationChannel } from '../../infra/db/schema/patients.ts';
import { withTenant, type TenantScope } from '../../infra/db/tenant.ts';
import { decodeCursor, pageOf } from '../../shared/cursor.ts';
import { DomainError, notFound, validation } from '../../shared/errors.ts';
import { canonicalLanguageTag } from '../../shared/language.ts';
import { recordAccess, type AccessActor } from '../access-log/access-log.repo.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';
import { findHospital } from '../hospitals/hospitals.repo.ts';
import { findPatient, insertPatient, listPatients, updatePatient, type PatientRow, type PatientValues } from './patients.repo.ts';
import type { CreatePatientInput, ListPatientsInput, UpdatePatientInput } from './patients.schemas.ts';

type TenantActor = Actor & AccessActor & { hospitalId: string };

const EARLIEST_BIRTH = Temporal.PlainDate.from('1880-01-01');

const fieldError = (field: string, message: string) =>
  validation(`Invalid body: ${field} ${message}`, { fields: [{ field, in: 'body', message }] });

/** A language as stored: canonical BCP 47 (`ES-mx` -> `es-MX`); a tag of the right shape that is still not one is a 400. */
function storedLanguage(tag: string | null): string | null {
  if (tag === null) return null;
  const canonical = canonicalLanguageTag(tag);
  if (!canonical) throw fieldError('language', 'must be a BCP 47 language tag, e.g. es or de-AT');
  return canonical;
}

/** The channel a new patient gets when none is given: email if they have one, else SMS if they have a phone, else none. */
export function defaultChannel(contact: { email?: string | null; phone?: string | null }): NotificationChannel {
  if (contact.email) return 'email';
  if (contact.phone) return 'sms';
  return 'none';
}

function assertChannelReachable(values: { email: string | null; phone: string | null; notificationChannel: NotificationChannel }): void {
  if (values.notificationChannel === 'email' && !values.email) {
    throw fieldError('notificationChannel', 'is email but the patient has no email; add one or choose sms or none');
  }
  if (values.notificationChannel === 'sms' && !values.phone) {
    throw fieldError('notificationChannel', 'is sms but the patient has no phone; add one or choose email or none');
  }
}

/** A birth date must be a real calendar date, not after today in the hospital's zone. */
async function assertBirthDate(scope: TenantScope, value: string): Promise<void> {
  let date: Temporal.PlainDate;
  try {
    date = Temporal.PlainDate.from(value, { overflow: 'reject' });
  } catch {
    throw fieldError('dateOfBirth', 'must be a date YYYY-MM-DD');
  }
  const hospital = await findHospital(scope);
  const today = Temporal.Now.plainDateISO(hospital?.timezone ?? 'UTC');
  if (Temporal.PlainDate.compare(date, today) > 0) throw fieldError('dateOfBirth', 'must not be in the future');
  if (Temporal.PlainDate.compare(date, EARLIEST_BIRTH) < 0) throw fieldError('dateOfBirth', `must not be before ${EARLIEST_BIRTH}`);
}

/** An erased patient's record stays as a tombstone (docs/privacy.md): nothing identifying may be written to it again. */
export const patientErased = (patientId: string, erasedAt: Date) =>
  new DomainError('PATIENT_ERASED', 'This patient was erased; their record cannot be changed or used again', { patientId, erasedAt: erasedAt.toISOString() });

/**
 * Every read here names patients, so it writes their access events in its own
 * transaction — on the primary: lists and searches no longer go to the replica
 * (docs/privacy.md, docs/operations.md).
 */
export function createPatientService({ db }: { db: Db }) {
  return {
    async create(actor: TenantActor, input: CreatePatientInput): Promise<PatientRow> {
      const values: PatientValues = {
        name: input.name.trim(),
        email: input.email?.toLowerCase() ?? null,
        phone: input.phone ?? null,
        dateOfBirth: input.dateOfBirth ?? null,
        notificationChannel: input.notificationChannel ?? defaultChannel(input),
        language: storedLanguage(input.language ?? null),
      };
      assertChannelReachable({ email: values.email ?? null, phone: values.phone ?? null, notificationChannel: values.notificationChannel! });
      return withTenant(db, actor, async (scope) => {
        if (values.dateOfBirth) await assertBirthDate(scope, values.dateOfBirth);
        const row = await insertPatient(scope, values);
        await recordAudit(scope, { action: 'patient.created', entityType: 'patient', entityId: row.id, changes: Object.keys(input) });
        // Ids only: a patient's name and contact data never leave in a webhook.
        await emitWebhookEvent(scope, 'patient.created', { id: row.id, version: row.version });
        return row;
      });
    },

    async list(actor: TenantActor, query: ListPatientsInput) {
      const limit = query.limit ?? 20;
      const after = decodeCursor(query.cursor);
      return withTenant(db, actor, async (scope) => {
        const rows = await listPatients(scope, { limit, after, ...(query.search ? { search: query.search } : {}) });
        const result = pageOf(rows, limit, (r) => r.name);
        await recordAccess(scope, query.search ? 'patient.search' : 'patient.list', result.items.map((r) => r.id));
        return result;
      });
    },

    async get(actor: TenantActor, patientId: string): Promise<PatientRow> {
      return withTenant(db, actor, async (scope) => {
        const row = await findPatient(scope, patientId);
        if (!row) throw notFound('Patient');
        await recordAccess(scope, 'patient.read', [patientId]);
        return row;
      });
    },

    /** Checks the resulting record as a whole: a channel must stay reachable after the change. */
    async update(actor: TenantActor, patientId: string, input: UpdatePatientInput): Promise<PatientRow> {
      return withTenant(db, actor, async (scope) => {
        const current = await findPatient(scope, patientId, { forUpdate: true });
        if (!current) throw notFound('Patient');
        if (current.erasedAt) throw patientErased(patientId, current.erasedAt);
        const changes: Partial<PatientValues> = {};
        if (input.name !== undefined) changes.name = input.name.trim();
        if (input.email !== undefined) changes.email = input.email?.toLowerCase() ?? null;
        if (input.phone !== undefined) changes.phone = input.phone;
        if (input.dateOfBirth !== undefined) changes.dateOfBirth = input.dateOfBirth;
        if (input.notificationChannel !== undefined) changes.notificationChannel = input.notificationChannel;
        if (input.language !== undefined) changes.language = storedLanguage(input.language);
        assertChannelReachable({
          email: changes.email !== undefined ? changes.email : current.email,
          phone: changes.phone !== undefined ? changes.phone : current.phone,
          notificationChannel: changes.notificationChannel ?? current.notificationChannel,
        });
        if (changes.dateOfBirth) await assertBirthDate(scope, changes.dateOfBirth);
        const row = await updatePatient(scope, patientId, changes);
        await recordAudit(scope, { action: 'patient.updated', entityType: 'patient', entityId: patientId, changes: Object.keys(input) });
        await emitWebhookEvent(scope, 'patient.updated', { id: patientId, version: row!.version });
        return row!;
      });
    },
  };
}

export type PatientService = ReturnType<typeof createPatientService>;
