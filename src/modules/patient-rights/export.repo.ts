import { asc, eq, sql } from 'drizzle-orm';
import { rawRows } from '../../infra/db/client.ts';
import { appointments } from '../../infra/db/schema/appointments.ts';
import { waitlistEntries } from '../../infra/db/schema/waitlist.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import { asAppointment, notHeld } from '../appointments/appointments.repo.ts';
import type { DeliveryFacts } from '../fhir/mapping/communication.ts';
import type { NoteVersionFacts } from '../fhir/mapping/document-reference.ts';

/** Every appointment of the patient, whatever its status, oldest first. */
export async function patientAppointments(scope: TenantScope, patientId: string) {
  const rows = await scope.select(appointments, eq(appointments.patientId, patientId), notHeld()).orderBy(asc(appointments.startsAt), asc(appointments.id));
  return rows.map(asAppointment);
}

/** Every waitlist entry of the patient, whatever its status, in order of joining. */
export function patientWaitlistEntries(scope: TenantScope, patientId: string) {
  return scope.select(waitlistEntries, eq(waitlistEntries.patientId, patientId)).orderBy(asc(waitlistEntries.createdAt), asc(waitlistEntries.id));
}

/** Every version of every visit note about the patient (versions are append-only, so this is the whole history). */
export async function patientNoteVersions(scope: TenantScope, patientId: string): Promise<NoteVersionFacts[]> {
  const rows = await rawRows<{
    note_id: string;
    version: number;
    current_version: number;
    appointment_id: string;
    patient_id: string;
    doctor_id: string;
    subjective: string | null;
    objective: string | null;
    assessment: string | null;
    plan: string | null;
    diagnoses: NoteVersionFacts['diagnoses'];
    prescriptions: NoteVersionFacts['prescriptions'];
    created_at: Date;
  }>(
    scope.tx,
    sql`select n.id as note_id, v.version, n.current_version, n.appointment_id, n.patient_id, n.doctor_id,
               v.subjective, v.objective, v.assessment, v.plan, v.diagnoses, v.prescriptions, v.created_at
          from visit_notes n
          join visit_note_versions v on v.hospital_id = n.hospital_id and v.note_id = n.id
         where n.hospital_id = ${scope.hospitalId}::uuid and n.patient_id = ${patientId}::uuid
         order by n.created_at, n.id, v.version`,
  );
  return rows.map((r) => ({
    noteId: r.note_id,
    version: r.version,
    currentVersion: r.current_version,
    appointmentId: r.appointment_id,
    patientId: r.patient_id,
    doctorId: r.doctor_id,
    subjective: r.subjective,
    objective: r.objective,
    assessment: r.assessment,
    plan: r.plan,
    diagnoses: r.diagnoses,
    prescriptions: r.prescriptions,
    createdAt: r.created_at,
  }));
}

/** The delivery-log lines for the patient, oldest first. */
export async function patientDeliveries(scope: TenantScope, patientId: string): Promise<DeliveryFacts[]> {
  const rows = await rawRows<{
    message_id: string;
    channel: DeliveryFacts['channel'];
    template: string;
    status: DeliveryFacts['status'];
    last_error: string | null;
    sent_at: Date | null;
    created_at: Date;
    updated_at: Date;
  }>(
    scope.tx,
    sql`select message_id, channel, template, status, last_error, sent_at, created_at, updated_at
          from notification_deliveries
         where hospital_id = ${scope.hospitalId}::uuid and patient_id = ${patientId}::uuid
         order by created_at, id`,
  );
  return rows.map((r) => ({
    messageId: r.message_id,
    patientId,
    channel: r.channel,
    template: r.template,
    status: r.status,
    lastError: r.last_error,
    sentAt: r.sent_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}
