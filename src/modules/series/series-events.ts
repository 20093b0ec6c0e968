import type { OutboxMessage } from '../../infra/queue/outbox.ts';

/**
 * Domain events of a series, to the `notifications` queue in the
 * transaction that books or cancels it. A patient booked for ten weeks of
 * physiotherapy expects one confirmation listing the ten dates, not ten
 * emails: the occurrences are booked without their own confirmation and this
 * event sends the one; a series cancel likewise sends one summary instead of
 * a notice per occurrence. Reminders stay per occurrence (each occurrence is
 * an appointment with its own, queued when it was booked and skipped when it
 * is cancelled or moved).
 */
export const SERIES_EVENTS = {
  booked: 'appointment_series.booked',
  cancelled: 'appointment_series.cancelled',
} as const;

export interface SeriesEventPayload {
  seriesId: string;
  /** The occurrences the event is about: booked ones, or the ones this cancel cancelled. */
  appointmentIds: string[];
}

export function seriesMessage(hospitalId: string, type: (typeof SERIES_EVENTS)[keyof typeof SERIES_EVENTS], payload: SeriesEventPayload): OutboxMessage {
  return { hospitalId, queue: 'notifications', type, payload: { ...payload } };
}
