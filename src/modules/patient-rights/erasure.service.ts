// The patient-rights module owns what a patient may ask of the hospital about their data: erasure and export (the accounting of who saw it is the access-log module's).
import type { Db } from '../../infra/db/client.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { notFound } from '../../shared/errors.ts';
import type { AccessActor } from '../access-log/access-log.repo.ts';
import { recordAudit } from '../audit/audit.repo.ts';
import { findPatient, type PatientRow } from '../patients/patients.repo.ts';
import { patientErased } from '../patients/patients.service.ts';
import { defaultErasureSteps, type ErasureStep } from './erasure-steps.ts';

export interface ErasureOutcome {
  patient: PatientRow;
  /** Rows each step changed, by step name. */
  steps: Record<string, number>;
  /** The day until which the retained clinical record must be kept (CLINICAL_RETENTION_YEARS from now); Tempus deletes none of it itself. */
  clinicalRecordsKeptUntil: string;
}

/**
 * Erasure (GDPR art. 17) that respects clinical retention: every step runs in
 * ONE transaction with the patient row locked, then the audit event names who
 * erased, why, and what each step did. Visit notes, past appointments, the
 * audit trail and the access log stay (docs/privacy.md). A second erase is a
 * 409 PATIENT_ERASED: erasure happened once, at one moment, by one person, and
 * a repeat that answered 200 would blur that record.
 */
export function createErasureService({
  db,
  clinicalRetentionYears,
  steps = defaultErasureSteps,
  now = () => new Date(),
}: {
  db: Db;
  clinicalRetentionYears: number;
  steps?: readonly ErasureStep[];
  now?: () => Date;
}) {
  return {
    async erase(actor: AccessActor & { hospitalId: string }, patientId: string, input: { reason: string }): Promise<ErasureOutcome> {
      return withTenant(db, actor, async (scope) => {
        const before = await findPatient(scope, patientId, { forUpdate: true });
        if (!before) throw notFound('Patient');
        if (before.erasedAt) throw patientErased(patientId, before.erasedAt);
        const at = now();
        const keptUntil = new Date(at);
        keptUntil.setUTCFullYear(keptUntil.getUTCFullYear() + clinicalRetentionYears);
        const clinicalRecordsKeptUntil = keptUntil.toISOString().slice(0, 10);
        const counts: Record<string, number> = {};
        for (const step of steps) counts[step.name] = await step.run(scope, before, at);
        await recordAudit(scope, {
          action: 'patient.erased',
          entityType: 'patient',
          entityId: patientId,
          changes: ['name', 'email', 'phone', 'dateOfBirth', 'notificationChannel', 'erasedAt'],
          metadata: { reason: input.reason.trim(), steps: counts, clinicalRecordsKeptUntil },
        });
        const patient = (await findPatient(scope, patientId))!;
        return { patient, steps: counts, clinicalRecordsKeptUntil };
      });
    },
  };
}

export type ErasureService = ReturnType<typeof createErasureService>;
