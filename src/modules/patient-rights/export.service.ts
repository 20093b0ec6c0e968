import type { Bundle } from '@medplum/fhirtypes';
import type { Db } from '../../infra/db/client.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { notFound } from '../../shared/errors.ts';
import { recordAccess, type AccessActor } from '../access-log/access-log.repo.ts';
import { recordAudit } from '../audit/audit.repo.ts';
import { toFhirAppointments } from '../fhir/fhir-appointments.ts';
import { waitlistEntryToAppointment } from '../fhir/mapping/waitlist-entry.ts';
import { toCollection } from '../fhir/mapping/bundle.ts';
import { toCommunication } from '../fhir/mapping/communication.ts';
import { toDocumentReference } from '../fhir/mapping/document-reference.ts';
import { ERASED_TAG, toPatient } from '../fhir/mapping/patient.ts';
import { findPatient } from '../patients/patients.repo.ts';
import { patientAppointments, patientDeliveries, patientNoteVersions, patientWaitlistEntries } from './export.repo.ts';

/**
 * The patient's copy of their data (GDPR art. 15 and 20): a FHIR R4
 * `collection` Bundle of the Patient, every Appointment, every visit-note
 * version (DocumentReference), every message (Communication) and every waitlist
 * entry (an Appointment with status `waitlist` or `cancelled`), read in one
 * transaction so the parts agree, with its access event and audit event in
 * the same transaction. An erased patient's Bundle and Patient carry the
 * `erased` tag.
 */
export function createExportService({ db, now = () => new Date() }: { db: Db; now?: () => Date }) {
  return {
    async exportPatient(actor: AccessActor & { hospitalId: string }, patientId: string): Promise<Bundle> {
      return withTenant(db, actor, async (scope) => {
        const patient = await findPatient(scope, patientId);
        if (!patient) throw notFound('Patient');
        const [visits, notes, deliveries, waiting] = [
          await patientAppointments(scope, patientId),
          await patientNoteVersions(scope, patientId),
          await patientDeliveries(scope, patientId),
          await patientWaitlistEntries(scope, patientId),
        ];
        await recordAccess(scope, 'patient.export', [patientId]);
        await recordAudit(scope, {
          action: 'patient.exported',
          entityType: 'patient',
          entityId: patientId,
          metadata: { appointments: visits.length, noteVersions: notes.length, communications: deliveries.length, waitlistEntries: waiting.length, erased: !!patient.erasedAt },
        });
        const appointments = await toFhirAppointments(scope, visits);
        return toCollection(
          [toPatient(patient), ...appointments, ...notes.map(toDocumentReference), ...deliveries.map(toCommunication), ...waiting.map(waitlistEntryToAppointment)],
          { timestamp: now(), ...(patient.erasedAt ? { tag: ERASED_TAG } : {}) },
        );
      });
    },
  };
}

export type ExportService = ReturnType<typeof createExportService>;
