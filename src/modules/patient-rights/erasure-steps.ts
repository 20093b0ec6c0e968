import { sql } from 'drizzle-orm';
import { rawRows } from '../../infra/db/client.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import { enqueue } from '../../infra/queue/outbox.ts';
import { ERASED_REASON } from '../notifications/delivery.ts';
import type { PatientRow } from '../patients/patients.repo.ts';
import { slotFreedMessage } from '../waitlist/waitlist-events.ts';

export const ERASED_NAME = 'Erased patient';

/**
 * One part of erasing a patient, run inside the erasure's transaction (so
 * all of them happen or none). `run` returns how many rows it changed, which
 * the erasure's audit event lists by step name. `patient` is the record as it
 * was before erasure (old contact data, to find what was keyed by it).
 *
 * A feature that stores something identifying about a patient adds its own
 * step to the list the erasure service is built with (src/app.ts), e.g. a
 * waitlist, holds or manage links (issue 14), calendar feeds (webhooks):
 *
 *   createErasureService({ db, steps: [...defaultErasureSteps, waitlistErasure] })
 */
export interface ErasureStep {
  name: string;
  run(scope: TenantScope, patient: PatientRow, now: Date): Promise<number>;
}

const count = async (scope: TenantScope, statement: ReturnType<typeof sql>) =>
  (await rawRows<{ n: number }>(scope.tx, sql`with changed as (${statement} returning 1) select count(*)::int as n from changed`))[0]?.n ?? 0;

/** Name pseudonymised; email, phone, birth date and language cleared (a language says something of a person); no channel; the erased_at marker. */
export const identityStep: ErasureStep = {
  name: 'identity',
  run: (scope, patient, now) =>
    count(
      scope,
      sql`update patients
             set name = ${ERASED_NAME}, email = null, phone = null, date_of_birth = null, language = null,
                 notification_channel = 'none', erased_at = ${now.toISOString()}::timestamptz, updated_at = now()
           where hospital_id = ${scope.hospitalId}::uuid and id = ${patient.id}::uuid`,
    ),
};

/**
 * Future appointments cancelled with no notification (no event is written),
 * their free-text reason cleared. Past ones stay as they are: they are part
 * of the clinical record, with the visit notes. Each freed slot goes to the
 * waitlist as any cancellation's does (the same task, in this transaction):
 * it says nothing about the patient.
 */
export const futureAppointmentsStep: ErasureStep = {
  name: 'futureAppointmentsCancelled',
  async run(scope, patient, now) {
    const freed = await rawRows<{ doctor_id: string; visit_type_id: string | null; starts_at: Date; ends_at: Date }>(
      scope.tx,
      sql`update appointments
             set status = 'cancelled', cancel_reason = ${ERASED_REASON}, reason = null, version = version + 1, updated_at = now()
           where hospital_id = ${scope.hospitalId}::uuid and patient_id = ${patient.id}::uuid
             and status = 'scheduled' and starts_at > ${now.toISOString()}::timestamptz
       returning doctor_id, visit_type_id, starts_at, ends_at`,
    );
    await enqueue(
      scope.tx,
      freed.map((row) => slotFreedMessage(scope.hospitalId, { doctorId: row.doctor_id, visitTypeId: row.visit_type_id, start: row.starts_at, end: row.ends_at })),
    );
    return freed.length;
  },
};

/**
 * Domain events about the patient's appointments still waiting in the outbox
 * (reminders, a confirmation not yet fanned out) are dropped: with the
 * appointments cancelled the resolver would skip them anyway, and this way
 * nothing is left to try.
 */
export const pendingEventsStep: ErasureStep = {
  name: 'pendingEventsDropped',
  run: (scope, patient) =>
    count(
      scope,
      sql`delete from outbox
           where hospital_id = ${scope.hospitalId}::uuid and queue = 'notifications' and published_at is null
             and payload->>'appointmentId' in (
               select id::text from appointments where hospital_id = ${scope.hospitalId}::uuid and patient_id = ${patient.id}::uuid)`,
    ),
};

/**
 * Email and SMS jobs for the patient: the queued ones will not be sent (their
 * delivery lines become `skipped`), and every job's stored body (address,
 * name, times) is deleted from the outbox. The delivery log keeps that a
 * message existed, without the address. Lines written before deliveries
 * carried a patient id are found by the old address.
 */
export const messagesStep: ErasureStep = {
  name: 'messagesDropped',
  async run(scope, patient) {
    const contacts = [patient.email, patient.phone].filter((c): c is string => !!c);
    const lines = sql`hospital_id = ${scope.hospitalId}::uuid
      and (patient_id = ${patient.id}::uuid
           ${contacts.length ? sql`or (patient_id is null and recipient in (${sql.join(contacts.map((c) => sql`${c}`), sql`, `)}))` : sql``})`;
    const jobs = await count(
      scope,
      sql`delete from outbox
           where hospital_id = ${scope.hospitalId}::uuid and queue in ('email_notifications', 'sms_notifications')
             and (payload->>'patientId' = ${patient.id} or id in (select message_id from notification_deliveries where ${lines}))`,
    );
    await scope.tx.execute(sql`update notification_deliveries
         set status = case when status in ('queued', 'failed') then 'skipped' else status end,
             last_error = case when status in ('queued', 'failed') then ${ERASED_REASON} else last_error end,
             claimed_until = null, recipient = null, patient_id = ${patient.id}::uuid, updated_at = now()
       where ${lines}`);
    return jobs;
  },
};

/** In order: the record itself first (it is locked by the service), then what hangs off it. */
export const defaultErasureSteps: readonly ErasureStep[] = [identityStep, futureAppointmentsStep, pendingEventsStep, messagesStep];
