import type { OutboxMessage } from '../../infra/queue/outbox.ts';
import type { AppointmentRow } from './appointments.repo.ts';

/**
 * Domain events of appointments, written to the outbox (queue
 * `notifications`) in the transaction that makes the change. The resolver in
 * appointment-notifications.ts turns each into per-recipient email/SMS jobs.
 *
 * Every payload carries the appointment's `version` at the time of the event:
 * a reminder is only still right while the appointment is `scheduled` with
 * that version and that start, which is how a reminder for a cancelled or
 * moved appointment knows to skip itself when it comes due.
 */
export const APPOINTMENT_EVENTS = {
  booked: 'appointment.booked',
  reminder: 'appointment.reminder',
  cancelled: 'appointment.cancelled',
  rescheduled: 'appointment.rescheduled',
} as const;
export type AppointmentEventType = (typeof APPOINTMENT_EVENTS)[keyof typeof APPOINTMENT_EVENTS];

export interface AppointmentEventBase {
  appointmentId: string;
  version: number;
}
export interface BookedPayload extends AppointmentEventBase {
  start: string;
  end: string;
}
export interface ReminderPayload extends AppointmentEventBase {
  /** The start this reminder was scheduled for; a moved appointment makes it stale. */
  scheduledStart: string;
  offsetMinutes: number;
}
export interface CancelledPayload extends AppointmentEventBase {
  start: string;
  end: string;
}
export interface RescheduledPayload extends AppointmentEventBase {
  previousStart: string;
  previousEnd: string;
  start: string;
  end: string;
}

const MINUTE_MS = 60_000;

/** What an event is about: the appointment as it is (or will be, once the statement in the same transaction runs). */
export type EventSubject = Pick<AppointmentRow, 'id' | 'hospitalId' | 'version' | 'startsAt' | 'endsAt'>;

function event(row: EventSubject, type: AppointmentEventType, payload: AppointmentEventBase & Record<string, unknown>, availableAt?: Date): OutboxMessage {
  return { hospitalId: row.hospitalId, queue: 'notifications', type, payload, ...(availableAt ? { availableAt } : {}) };
}

/**
 * One reminder per offset, due `offset` minutes before the start. A reminder
 * whose moment has already passed (booked at short notice) is not created:
 * the confirmation covers it.
 */
export function reminderMessages(row: EventSubject, offsetsMinutes: readonly number[], now: Date): OutboxMessage[] {
  const seen = new Set<number>();
  const messages: OutboxMessage[] = [];
  for (const offset of offsetsMinutes) {
    if (seen.has(offset)) continue;
    seen.add(offset);
    const due = new Date(row.startsAt.getTime() - offset * MINUTE_MS);
    if (due.getTime() <= now.getTime()) continue;
    const payload: ReminderPayload = {
      appointmentId: row.id,
      version: row.version,
      scheduledStart: row.startsAt.toISOString(),
      offsetMinutes: offset,
    };
    messages.push(event(row, APPOINTMENT_EVENTS.reminder, { ...payload }, due));
  }
  return messages;
}

export function bookedMessages(row: EventSubject, offsetsMinutes: readonly number[], now: Date): OutboxMessage[] {
  const payload: BookedPayload = { appointmentId: row.id, version: row.version, start: row.startsAt.toISOString(), end: row.endsAt.toISOString() };
  return [event(row, APPOINTMENT_EVENTS.booked, { ...payload }), ...reminderMessages(row, offsetsMinutes, now)];
}

export function cancelledMessages(row: EventSubject): OutboxMessage[] {
  const payload: CancelledPayload = { appointmentId: row.id, version: row.version, start: row.startsAt.toISOString(), end: row.endsAt.toISOString() };
  return [event(row, APPOINTMENT_EVENTS.cancelled, { ...payload })];
}

/** The notice plus fresh reminders for the new time; the old reminders find themselves stale when due. */
export function rescheduledMessages(previous: EventSubject, row: EventSubject, offsetsMinutes: readonly number[], now: Date): OutboxMessage[] {
  const payload: RescheduledPayload = {
    appointmentId: row.id,
    version: row.version,
    previousStart: previous.startsAt.toISOString(),
    previousEnd: previous.endsAt.toISOString(),
    start: row.startsAt.toISOString(),
    end: row.endsAt.toISOString(),
  };
  return [event(row, APPOINTMENT_EVENTS.rescheduled, { ...payload }), ...reminderMessages(row, offsetsMinutes, now)];
}

/** Whether a due reminder still describes the appointment as it is now. */
export function reminderIsCurrent(
  reminder: Pick<ReminderPayload, 'version' | 'scheduledStart'>,
  appointment: Pick<AppointmentRow, 'status' | 'version' | 'startsAt'> | null,
): { current: true } | { current: false; reason: 'not_found' | 'cancelled' | 'completed' | 'no_show' | 'moved' } {
  if (!appointment) return { current: false, reason: 'not_found' };
  if (appointment.status !== 'scheduled') return { current: false, reason: appointment.status };
  if (appointment.version !== reminder.version || appointment.startsAt.getTime() !== new Date(reminder.scheduledStart).getTime()) {
    return { current: false, reason: 'moved' };
  }
  return { current: true };
}

/**
 * What a webhook says about an appointment (SPEC section 16): ids, times,
 * status and version — never the reason or a note, which may be clinical.
 */
export function appointmentWebhookData(row: Pick<AppointmentRow, 'id' | 'version' | 'status' | 'doctorId' | 'patientId' | 'startsAt' | 'endsAt'>) {
  return {
    id: row.id,
    version: row.version,
    status: row.status,
    doctorId: row.doctorId,
    patientId: row.patientId,
    start: row.startsAt.toISOString(),
    end: row.endsAt.toISOString(),
  };
}
