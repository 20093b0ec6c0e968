import { Temporal } from 'temporal-polyfill';
import { DomainError } from '../../shared/errors.ts';
import { scheduleConflict, type TimeRange } from '../availability/slots.ts';
import type { WeeklyInterval } from '../schedules/weekly.ts';
import { localMonthOf } from '../availability/zone-intervals.ts';

/**
 * The pure booking rules (no database, no clock of their own): when an
 * appointment may start, measured against "now" and the hospital's settings,
 * and whether it fits the doctor's schedule (delegated to the availability
 * module's scheduleConflict, so every slot availability offers is bookable).
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export interface BookingWindowSettings {
  bookingHorizonDays: number;
  minimumNoticeMinutes: number;
}

/** IN_THE_PAST for a start at or before now; OUTSIDE_BOOKING_WINDOW before the minimum notice or beyond the horizon. */
export function assertBookingWindow(start: Date, now: Date, settings: BookingWindowSettings): void {
  if (start.getTime() <= now.getTime()) {
    throw new DomainError('IN_THE_PAST', 'The appointment would start in the past', {
      start: start.toISOString(),
      now: now.toISOString(),
    });
  }
  const earliest = new Date(now.getTime() + settings.minimumNoticeMinutes * MINUTE_MS);
  if (start.getTime() < earliest.getTime()) {
    throw new DomainError(
      'OUTSIDE_BOOKING_WINDOW',
      `Appointments need at least ${settings.minimumNoticeMinutes} minutes' notice`,
      { reason: 'minimum_notice', earliest: earliest.toISOString(), minimumNoticeMinutes: settings.minimumNoticeMinutes },
    );
  }
  const latest = new Date(now.getTime() + settings.bookingHorizonDays * DAY_MS);
  if (start.getTime() > latest.getTime()) {
    throw new DomainError(
      'OUTSIDE_BOOKING_WINDOW',
      `Appointments can be booked at most ${settings.bookingHorizonDays} days ahead`,
      { reason: 'booking_horizon', latest: latest.toISOString(), bookingHorizonDays: settings.bookingHorizonDays },
    );
  }
}

/** OUTSIDE_SCHEDULE unless [start, end) lies inside the weekly hours (in `zone`) and outside time off. */
export function assertWithinSchedule(
  weekly: readonly WeeklyInterval[],
  timeOff: readonly TimeRange[],
  zone: string,
  start: Date,
  end: Date,
): void {
  const conflict = scheduleConflict(weekly, timeOff, zone, start, end);
  if (!conflict) return;
  throw new DomainError(
    'OUTSIDE_SCHEDULE',
    conflict === 'time_off' ? 'The doctor is off at that time' : "The appointment is outside the doctor's working hours",
    { reason: conflict, start: start.toISOString(), end: end.toISOString(), timezone: zone },
  );
}

/**
 * OUTSIDE_SCHEDULE when the time a booking blocks, [from, to) (the visit and
 * its visit type's buffers), overlaps a hospital closure (`reason: closure`)
 * or the doctor's time off (`reason: time_off`).
 */
export function assertNoAbsence(closures: readonly TimeRange[], timeOff: readonly TimeRange[], from: Date, to: Date): void {
  const hits = (r: TimeRange) => r.startMs < to.getTime() && from.getTime() < r.endMs;
  const closure = closures.find(hits);
  if (closure) {
    throw new DomainError('OUTSIDE_SCHEDULE', 'The hospital is closed at that time', {
      reason: 'closure',
      closureStart: new Date(closure.startMs).toISOString(),
      closureEnd: new Date(closure.endMs).toISOString(),
    });
  }
  if (timeOff.some(hits)) {
    throw new DomainError('OUTSIDE_SCHEDULE', 'The doctor is off at that time', { reason: 'time_off', start: from.toISOString(), end: to.toISOString() });
  }
}

/** The window of instants whose schedule data scheduleConflict needs (a day either side covers every zone). */
export function scheduleWindow(start: Date, end: Date): { from: Date; to: Date } {
  return { from: new Date(start.getTime() - 2 * DAY_MS), to: new Date(end.getTime() + 2 * DAY_MS) };
}

/** The hospital-local calendar month that contains `at`, as [start, end) instants (the plan limit counts per local month). */
export function localMonth(at: Date, zone: string): { from: Date; to: Date } {
  const { fromMs, toMs } = localMonthOf(at.getTime(), zone);
  return { from: new Date(fromMs), to: new Date(toMs) };
}

/** A local date YYYY-MM-DD in `zone` as the instant its day starts. */
export function startOfLocalDate(date: string, zone: string): Date {
  return new Date(Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: zone }).epochMilliseconds);
}

export function addLocalDays(date: string, days: number): string {
  return Temporal.PlainDate.from(date).add({ days }).toString();
}
