import { Temporal } from 'temporal-polyfill';
import type { WeeklyInterval } from '../schedules/weekly.ts';
import { boundaryInstant, formatLocal, localDateOf, localDays, wallTimeToInstant, type LocalDay } from './local-time.ts';

/**
 * The pure heart of availability: no database, no clock of its own. Given a
 * weekly schedule in local wall-clock time, a zone, busy ranges and "now",
 * it lists bookable slots. The same working-interval rules back
 * isWithinWorkingHours, which booking uses for OUTSIDE_SCHEDULE, so a slot
 * offered here is always accepted there.
 *
 * Rules (docs/scheduling.md has the long form):
 * - A working interval on a local date opens and closes at its wall-clock
 *   times in the zone, so 09:00 is 09:00 local on both sides of a DST change.
 *   A boundary inside a skipped hour moves to the instant the clocks jumped;
 *   a boundary inside a repeated hour is its first occurrence; 24:00 is the
 *   next day's start.
 * - Slots start on the interval's wall-clock grid (opening, then every
 *   slotMinutes + bufferMinutes), last exactly slotMinutes of elapsed time and
 *   must end by the interval's close. A grid time that does not exist
 *   (skipped hour) has no slot; a repeated wall time gives one slot (its first
 *   occurrence), and a slot never overlaps the previous one.
 * - A slot is dropped when it overlaps time off, or an appointment widened by
 *   bufferMinutes on both sides, or starts before `notBefore` (now + minimum
 *   notice), or after `notAfter` (the public booking horizon).
 * - With a visit type: the slot blocks [start - bufferBefore, end +
 *   bufferAfter); that blocked time, not only the visit, must be clear of
 *   time off, closures and appointments (their own blocked time, widened by
 *   the doctor's buffer), and for every kind the type requires, as many
 *   resources of the kind as it lists must be free over it (no time off, no
 *   live booking). The grid steps by the whole blocked length plus the
 *   doctor's buffer, so consecutive offered slots fit together. The visit
 *   itself lies inside the working interval (the buffers may reach past it).
 */

export interface TimeRange {
  startMs: number;
  endMs: number;
}

export interface Slot {
  startMs: number;
  endMs: number;
  /** ISO 8601 with the zone's offset. */
  start: string;
  end: string;
}

export interface SlotQuery {
  zone: string;
  weekly: readonly WeeklyInterval[];
  slotMinutes: number;
  bufferMinutes: number;
  /** Inclusive local dates YYYY-MM-DD in `zone`. */
  from: string;
  to: string;
  timeOff: readonly TimeRange[];
  /** Live appointments (their blocked time, buffers of their visit type included); widened by bufferMinutes here. */
  appointments: readonly TimeRange[];
  /** Hospital closures: subtracted like time off. */
  closures?: readonly TimeRange[];
  /** The visit type's buffers around each slot. */
  bufferBeforeMinutes?: number;
  bufferAfterMinutes?: number;
  /** The resource kinds a slot needs (a kind listed twice needs two) and, per kind, each active resource's busy ranges. */
  resources?: ResourceNeed;
  /** `localDays(zone, from, to)` when the caller already has it (one visit type's doctors share one range). */
  days?: readonly LocalDay[];
  /** No slot starts before this instant (now + minimum notice). */
  notBeforeMs: number;
  /** No slot starts after this instant (public booking horizon), when set. */
  notAfterMs?: number;
}

export interface ResourceNeed {
  requires: readonly string[];
  /** Per kind, one entry per active resource of it: its time off and live bookings. */
  pools: Readonly<Record<string, readonly (readonly TimeRange[])[]>>;
}

const MINUTE_MS = 60_000;

/**
 * Per kind, how many resources are needed and a cursor over each resource's
 * merged busy ranges. Queries come in increasing order (slots are generated
 * in time order), so each cursor only moves forward.
 */
function resourceChecker(need: ResourceNeed | undefined): (from: number, to: number) => boolean {
  if (!need || need.requires.length === 0) return () => true;
  const counts = new Map<string, number>();
  for (const kind of need.requires) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const kinds = [...counts].map(([kind, n]) => ({ n, resources: (need.pools[kind] ?? []).map((busy) => ({ busy: mergeRanges(busy), at: 0 })) }));
  return (from, to) =>
    kinds.every(({ n, resources }) => {
      let free = 0;
      for (const r of resources) {
        while (r.at < r.busy.length && r.busy[r.at]!.endMs <= from) r.at++;
        const next = r.busy[r.at];
        if (!next || next.startMs >= to) free++;
        if (free >= n) return true;
      }
      return false;
    });
}

/** Sorted, with overlapping and touching ranges joined. */
export function mergeRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const sorted = ranges.filter((r) => r.endMs > r.startMs).sort((a, b) => a.startMs - b.startMs);
  const merged: TimeRange[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.startMs <= last.endMs) last.endMs = Math.max(last.endMs, r.endMs);
    else merged.push({ startMs: r.startMs, endMs: r.endMs });
  }
  return merged;
}

function byWeekday(weekly: readonly WeeklyInterval[]): WeeklyInterval[][] {
  const days: WeeklyInterval[][] = [[], [], [], [], [], [], [], []];
  for (const interval of weekly) days[interval.weekday]!.push(interval);
  for (const list of days) list.sort((a, b) => a.startMinute - b.startMinute);
  return days;
}

/** The busy ranges availability subtracts: time off and closures as they are, appointments widened by the buffer, merged. */
export function busyRanges(timeOff: readonly TimeRange[], appointments: readonly TimeRange[], bufferMinutes: number, closures: readonly TimeRange[] = []): TimeRange[] {
  const buffer = bufferMinutes * MINUTE_MS;
  return mergeRanges([
    ...timeOff,
    ...closures,
    ...appointments.map((a) => ({ startMs: a.startMs - buffer, endMs: a.endMs + buffer })),
  ]);
}

export function computeSlots(query: SlotQuery): Slot[] {
  const { zone, slotMinutes, bufferMinutes } = query;
  const slotMs = slotMinutes * MINUTE_MS;
  const beforeMs = (query.bufferBeforeMinutes ?? 0) * MINUTE_MS;
  const afterMs = (query.bufferAfterMinutes ?? 0) * MINUTE_MS;
  const step = slotMinutes + bufferMinutes + (query.bufferBeforeMinutes ?? 0) + (query.bufferAfterMinutes ?? 0);
  const intervalsOf = byWeekday(query.weekly);
  const busy = busyRanges(query.timeOff, query.appointments, bufferMinutes, query.closures);
  const resourcesFree = resourceChecker(query.resources);
  const days = query.days ?? localDays(zone, Temporal.PlainDate.from(query.from), Temporal.PlainDate.from(query.to));
  const notAfter = query.notAfterMs ?? Number.POSITIVE_INFINITY;
  const slots: Slot[] = [];
  let busyIndex = 0;
  let lastEnd = Number.NEGATIVE_INFINITY;

  for (const day of days) {
    if (day.endMs <= day.startMs || day.endMs <= query.notBeforeMs) continue; // a date the zone skipped, or the past
    if (day.startMs > notAfter) break;
    for (const interval of intervalsOf[day.weekday]!) {
      const closes = boundaryInstant(day, zone, interval.endMinute);
      for (let minute = interval.startMinute; minute < interval.endMinute; minute += step) {
        const startMs = wallTimeToInstant(day, zone, minute);
        if (startMs === null) continue; // a skipped wall time has no slot
        const endMs = startMs + slotMs;
        if (endMs > closes) {
          if (day.uniform) break;
          continue;
        }
        if (startMs < lastEnd || startMs < query.notBeforeMs || startMs > notAfter) continue;
        const blockedFrom = startMs - beforeMs;
        const blockedTo = endMs + afterMs;
        while (busyIndex < busy.length && busy[busyIndex]!.endMs <= blockedFrom) busyIndex++;
        const blocker = busy[busyIndex];
        if (blocker && blocker.startMs < blockedTo) continue;
        if (!resourcesFree(blockedFrom, blockedTo)) continue;
        slots.push({
          startMs,
          endMs,
          start: formatLocal(startMs, zone, day, minute),
          end: formatLocal(endMs, zone, day, minute + slotMinutes),
        });
        lastEnd = endMs;
      }
    }
  }
  return slots;
}

/** The working intervals (as instants) of the local days `from`..`to`, adjacent ones joined. */
export function workingRanges(weekly: readonly WeeklyInterval[], zone: string, from: Temporal.PlainDate, to: Temporal.PlainDate): TimeRange[] {
  const intervalsOf = byWeekday(weekly);
  const ranges: TimeRange[] = [];
  for (const day of localDays(zone, from, to)) {
    for (const interval of intervalsOf[day.weekday]!) {
      ranges.push(intervalRange(day, zone, interval));
    }
  }
  return mergeRanges(ranges);
}

function intervalRange(day: LocalDay, zone: string, interval: WeeklyInterval): TimeRange {
  return { startMs: boundaryInstant(day, zone, interval.startMinute), endMs: boundaryInstant(day, zone, interval.endMinute) };
}

export type ScheduleConflict = 'outside_hours' | 'time_off';

/**
 * Why [start, end) cannot be booked by the schedule alone, or null when it
 * lies inside working hours (one interval, or adjacent ones that join, e.g.
 * 22:00–24:00 and 00:00–06:00 the next day) and overlaps no time off.
 * Appointments, the past and the horizon are the caller's business.
 */
export function scheduleConflict(
  weekly: readonly WeeklyInterval[],
  timeOff: readonly TimeRange[],
  zone: string,
  start: Date | number,
  end: Date | number,
): ScheduleConflict | null {
  const startMs = typeof start === 'number' ? start : start.getTime();
  const endMs = typeof end === 'number' ? end : end.getTime();
  if (!(endMs > startMs)) return 'outside_hours';
  const from = localDateOf(startMs, zone).subtract({ days: 1 });
  const to = localDateOf(endMs, zone);
  const inside = workingRanges(weekly, zone, from, to).some((r) => r.startMs <= startMs && endMs <= r.endMs);
  if (!inside) return 'outside_hours';
  if (timeOff.some((t) => t.startMs < endMs && startMs < t.endMs)) return 'time_off';
  return null;
}

/** True when [start, end) is inside the weekly hours in `zone` and overlaps no time off. */
export function isWithinWorkingHours(
  weekly: readonly WeeklyInterval[],
  timeOff: readonly TimeRange[],
  zone: string,
  start: Date | number,
  end: Date | number,
): boolean {
  return scheduleConflict(weekly, timeOff, zone, start, end) === null;
}
