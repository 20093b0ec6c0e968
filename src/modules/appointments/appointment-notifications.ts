import { sql } from 'drizzle-orm';
import { rawRows } from '../../infra/db/client.ts';
import type { AppointmentStatus } from '../../infra/db/schema/appointments.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import { PermanentError } from '../../infra/queue/errors.ts';
import type { EmailTemplate } from '../notifications/contracts.ts';
import { calendarText } from '../notifications/i18n/index.ts';
import { patientRecipientColumns, patientRecipientJoins, patientRecipientOf, type PatientRecipient, type PatientRecipientRow } from '../notifications/patient-recipient.ts';
import type { EventResolver, MessagingRegistry, NotificationRecipient, PatientLinks, ResolveResult } from '../notifications/registry.ts';
import { APPOINTMENT_EVENTS, reminderIsCurrent, type ReminderPayload } from './appointment-events.ts';
import { icsAttachment, type IcsMethod } from '../../shared/ics.ts';

/**
 * The `notifications` queue resolver for `appointment.*` events: one event
 * becomes one job for the patient in the channel they chose (email, SMS or
 * none; the messaging layer applies the plan's smsEnabled and records
 * skips). It re-reads the appointment when it runs, so:
 *
 * - a due reminder is sent only while the appointment is still `scheduled`
 *   at the version and start it was queued for; otherwise it resolves to
 *   `{ skip }` and the delivery log records it as skipped (cancelled, moved,
 *   finished) — rescheduling queued fresh reminders for the new time;
 * - the times in confirmations and notices are the event's own (what
 *   happened then), the names and contact details the current ones.
 *
 * Never sent twice: the messaging layer derives each job's id from the event
 * id and the recipient, and deliveries are keyed by message id.
 */

export interface AppointmentContext extends PatientRecipient {
  id: string;
  hospitalSubdomain: string;
  /** Until how long before its start the patient may change it through the manage link. */
  cancellationNoticeMinutes: number;
  doctorId: string;
  visitTypeId: string | null;
  status: AppointmentStatus;
  version: number;
  startsAt: Date;
  endsAt: Date;
  /** An erased patient's appointments have no manage link left that works. */
  patientErased: boolean;
  hospitalEmail: string;
  /** What the manage page gives a patient to call when it is too late to change online. */
  hospitalPhone: string | null;
  /** The visit type booked, and the rooms and devices the appointment holds (by kind, then name). */
  visitTypeName: string | null;
  resourceNames: string[];
}

/** The appointment with what its messages need, in one query (tenant-scoped). */
export async function loadAppointmentContext(scope: TenantScope, appointmentId: string): Promise<AppointmentContext | null> {
  const [row] = await rawRows<
    PatientRecipientRow & {
      id: string;
      subdomain: string;
      cancellation_notice_minutes: number;
      doctor_id: string;
      visit_type_id: string | null;
      status: AppointmentStatus;
      version: number;
      starts_at: Date;
      ends_at: Date;
      patient_erased: boolean;
      hospital_email: string;
      hospital_phone: string | null;
      visit_type_name: string | null;
      resource_names: string[];
    }
  >(
    scope.tx,
    sql`select a.id, h.subdomain, h.cancellation_notice_minutes, a.doctor_id, a.visit_type_id, a.status, a.version, a.starts_at, a.ends_at,
               ${patientRecipientColumns('a')}, p.erased_at is not null as patient_erased, h.email as hospital_email, h.phone as hospital_phone, vt.name as visit_type_name,
               coalesce((select json_agg(r.name order by r.kind, r.name, r.id)
                           from resource_bookings b join resources r on r.hospital_id = b.hospital_id and r.id = b.resource_id
                          where b.hospital_id = a.hospital_id and b.appointment_id = a.id), '[]'::json) as resource_names
          from appointments a
          ${patientRecipientJoins('a')}
          left join visit_types vt on vt.hospital_id = a.hospital_id and vt.id = a.visit_type_id
         where a.hospital_id = ${scope.hospitalId}::uuid and a.id = ${appointmentId}::uuid`,
  );
  if (!row) return null;
  return {
    ...patientRecipientOf(row),
    id: row.id,
    hospitalSubdomain: row.subdomain,
    cancellationNoticeMinutes: row.cancellation_notice_minutes,
    doctorId: row.doctor_id,
    visitTypeId: row.visit_type_id,
    status: row.status,
    version: row.version,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    patientErased: row.patient_erased,
    hospitalEmail: row.hospital_email,
    hospitalPhone: row.hospital_phone,
    visitTypeName: row.visit_type_name,
    resourceNames: row.resource_names,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function instantOf(payload: Record<string, unknown>, field: string): Date {
  const value = payload[field];
  const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new PermanentError(`invalid appointment event: ${field} is not an instant`);
  return date;
}

function versionOf(payload: Record<string, unknown>): number {
  const v = payload.version;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new PermanentError('invalid appointment event: version is not a positive integer');
  return v;
}

function locationOf(ctx: AppointmentContext): string {
  return ctx.hospitalAddress ? `${ctx.hospitalName}, ${ctx.hospitalAddress}` : ctx.hospitalName;
}

/** The calendar entry's location: the room (and devices) first, then the hospital. */
function placeOf(ctx: AppointmentContext): string {
  return ctx.resourceNames.length ? `${ctx.resourceNames.join(', ')}, ${locationOf(ctx)}` : locationOf(ctx);
}

function recipient(
  ctx: AppointmentContext,
  template: EmailTemplate,
  times: { start: Date; end: Date },
  extra: Record<string, unknown> = {},
  calendar?: { method: IcsMethod; version: number; stamp: Date },
): NotificationRecipient {
  return {
    key: `patient:${ctx.patientId}`,
    patientId: ctx.patientId,
    channel: ctx.channel,
    email: ctx.patientEmail,
    phone: ctx.patientPhone,
    template,
    data: {
      appointmentId: ctx.id,
      hospitalName: ctx.hospitalName,
      location: locationOf(ctx),
      timezone: ctx.timezone,
      doctorName: ctx.doctorName,
      patientName: ctx.patientName,
      start: times.start.toISOString(),
      end: times.end.toISOString(),
      ...(ctx.visitTypeName ? { visitTypeName: ctx.visitTypeName } : {}),
      ...(ctx.resourceNames.length ? { rooms: ctx.resourceNames.join(', ') } : {}),
      language: ctx.language,
      ...extra,
    },
    ...(calendar && ctx.channel === 'email' && ctx.patientEmail ? { attachments: [appointmentInvite(ctx, times, calendar)] } : {}),
  };
}

/**
 * The iTIP calendar file of a confirmation, reschedule or cancellation: the
 * appointment id as UID, the version the event left it at as SEQUENCE (every
 * change bumps it, so each file supersedes the one before), the event's time
 * as DTSTAMP (same bytes on redelivery), the hospital as organizer and the
 * patient as attendee.
 */
function appointmentInvite(ctx: AppointmentContext, times: { start: Date; end: Date }, calendar: { method: IcsMethod; version: number; stamp: Date }) {
  return icsAttachment({
    method: calendar.method,
    uid: ctx.id,
    start: times.start,
    end: times.end,
    stamp: calendar.stamp,
    sequence: calendar.version,
    location: placeOf(ctx),
    ...calendarText(ctx.language, { visitTypeName: ctx.visitTypeName, doctorName: ctx.doctorName, hospitalName: ctx.hospitalName, rooms: ctx.resourceNames.join(', ') || null }),
    organizer: { email: ctx.hospitalEmail, name: ctx.hospitalName },
    attendee: { email: ctx.patientEmail!, name: ctx.patientName },
  });
}

/** The manage link, while the appointment is live (a cancelled appointment's link is dead): valid until 7 days after its current end. */
const manageOf = (links: PatientLinks, ctx: AppointmentContext) =>
  ctx.status === 'cancelled' ? {} : { manageUrl: links.manageUrl({ hospitalId: ctx.hospitalId, id: ctx.id, endsAt: ctx.endsAt }) };

export const resolveAppointmentEvent: EventResolver = async ({ scope, event, links }): Promise<ResolveResult> => {
  const payload = event.payload;
  const appointmentId = payload.appointmentId;
  if (typeof appointmentId !== 'string' || !UUID.test(appointmentId)) {
    throw new PermanentError('invalid appointment event: appointmentId is not a uuid');
  }
  const ctx = await loadAppointmentContext(scope, appointmentId);
  switch (event.type) {
    case APPOINTMENT_EVENTS.reminder: {
      const reminder = { version: versionOf(payload), scheduledStart: instantOf(payload, 'scheduledStart').toISOString() } satisfies Pick<ReminderPayload, 'version' | 'scheduledStart'>;
      const state = reminderIsCurrent(reminder, ctx);
      if (!state.current) return { skip: `reminder not sent: appointment ${state.reason === 'not_found' ? 'no longer exists' : state.reason === 'moved' ? 'was rescheduled' : `is ${state.reason.replace('_', '-')}`}` };
      return { recipients: [recipient(ctx!, 'appointment_reminder', { start: ctx!.startsAt, end: ctx!.endsAt }, manageOf(links, ctx!))] };
    }
    case APPOINTMENT_EVENTS.booked: {
      if (!ctx) return { skip: 'appointment no longer exists' };
      const times = { start: instantOf(payload, 'start'), end: instantOf(payload, 'end') };
      return { recipients: [recipient(ctx, 'appointment_confirmation', times, manageOf(links, ctx), { method: 'REQUEST', version: versionOf(payload), stamp: event.createdAt })] };
    }
    case APPOINTMENT_EVENTS.cancelled: {
      if (!ctx) return { skip: 'appointment no longer exists' };
      const times = { start: instantOf(payload, 'start'), end: instantOf(payload, 'end') };
      return { recipients: [recipient(ctx, 'appointment_cancelled', times, {}, { method: 'CANCEL', version: versionOf(payload), stamp: event.createdAt })] };
    }
    case APPOINTMENT_EVENTS.rescheduled: {
      if (!ctx) return { skip: 'appointment no longer exists' };
      const times = { start: instantOf(payload, 'start'), end: instantOf(payload, 'end') };
      const calendar = { method: 'REQUEST' as const, version: versionOf(payload), stamp: event.createdAt };
      return {
        recipients: [recipient(ctx, 'appointment_rescheduled', times, { previousStart: instantOf(payload, 'previousStart').toISOString(), ...manageOf(links, ctx) }, calendar)],
      };
    }
    default:
      throw new PermanentError(`unknown appointment event ${event.type}`);
  }
};

/** The one line src/messaging.ts calls. */
export function registerAppointmentNotifications(registry: MessagingRegistry): void {
  registry.addResolver('appointment.*', resolveAppointmentEvent);
}
