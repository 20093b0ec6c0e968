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
  /**
   * `resourceRefusals(resources, span)` when the caller already has it: it
   * depends on the type and its resources only, so a visit type's doctors
   * share one.
   */
  refusals?: readonly OpenRange[] | null;
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
 * An open interval of instants: `afterMs < t < beforeMs`. Where a blocked
 * span [s, s + L) may not start is open on both sides: it overlaps a busy
 * [b, e) exactly when b - L < s < e.
 */
export interface OpenRange {
  afterMs: number;
  beforeMs: number;
}

/**
 * The starts at which a blocked span of `spanMs` lacks resources, as sorted,
 * disjoint open ranges (null when the type needs none). A resource is free
 * for a span starting at s unless s lies in one of its busy ranges widened
 * by the span to the left; a kind that needs n of its m resources refuses s
 * where at least m - n + 1 of them refuse it. That count only changes at the
 * widened ranges' ends, so one sweep over their sorted ends per kind gives
 * the refused starts for every doctor and slot of the request, and a slot's
 * check is then one forward cursor (slotsOf) instead of one per resource.
 */
export function resourceRefusals(need: ResourceNeed | undefined, spanMs: number): OpenRange[] | null {
  if (!need || need.requires.length === 0) return null;
  const counts = new Map<string, number>();
  for (const kind of need.requires) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const perKind: OpenRange[][] = [];
  for (const [kind, n] of counts) {
    const resources = need.pools[kind] ?? [];
    if (resources.length < n) return [{ afterMs: Number.NEGATIVE_INFINITY, beforeMs: Number.POSITIVE_INFINITY }];
    perKind.push(refusedByKind(resources, n, spanMs));
  }
  return unionOpen(perKind.flat());
}

/** One kind: the starts where fewer than `n` of `resources` are free for the whole span. */
function refusedByKind(resources: readonly (readonly TimeRange[])[], n: number, spanMs: number): OpenRange[] {
  const need = resources.length - n + 1;
  // Each resource's refused starts are disjoint (merged, then widened and joined where they overlap), so the count at t is how many resources refuse t.
  const own = resources.map((busy) => widened(mergeRanges(busy), spanMs));
  let size = 0;
  for (const list of own) size += list.length;
  // Where ranges open and where they close, each sorted (numeric sort of a typed array): the sweep walks both.
  const opens = new Float64Array(size);
  const closes = new Float64Array(size);
  let k = 0;
  for (const list of own) {
    for (const r of list) {
      opens[k] = r.afterMs;
      closes[k++] = r.beforeMs;
    }
  }
  opens.sort();
  closes.sort();
  const refused: OpenRange[] = [];
  // `count`: resources refusing the instants just after the last coordinate seen; `from`: where the current refused range opened.
  let count = 0;
  let from = 0;
  for (let i = 0, j = 0; j < size; ) {
    const at = i < size ? Math.min(opens[i]!, closes[j]!) : closes[j]!;
    let ends = 0;
    let starts = 0;
    for (; j < size && closes[j] === at; j++) ends++;
    for (; i < size && opens[i] === at; i++) starts++;
    // At `at` itself the ranges closing or opening there do not count (open ranges).
    const atPoint = count - ends;
    const after = atPoint + starts;
    if (count >= need && atPoint < need) refused.push({ afterMs: from, beforeMs: at });
    if (after >= need && !(count >= need && atPoint >= need)) from = at;
    count = after;
  }
  return refused;
}

/** A resource's refused starts: its merged busy ranges widened by the span to the left, joined where they now overlap (they stay in order). */
function widened(busy: readonly TimeRange[], spanMs: number): OpenRange[] {
  const out: OpenRange[] = [];
  for (const b of busy) {
    const last = out[out.length - 1];
    if (last && b.startMs - spanMs < last.beforeMs) last.beforeMs = b.endMs;
    else out.push({ afterMs: b.startMs - spanMs, beforeMs: b.endMs });
  }
  return out;
}

/** The union of open ranges, sorted; ranges that only touch stay apart (their shared point is in neither). */
function unionOpen(ranges: readonly OpenRange[]): OpenRange[] {
  const sorted = ranges.filter((r) => r.beforeMs > r.afterMs).sort((a, b) => a.afterMs - b.afterMs);
  const out: OpenRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.afterMs < last.beforeMs) last.beforeMs = Math.max(last.beforeMs, r.beforeMs);
    else out.push({ afterMs: r.afterMs, beforeMs: r.beforeMs });
  }
  return out;
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

/**
 * The slots of one query as numbers (no object or text per slot): start
 * instants in time order, each slotMinutes long, with the local day (index
 * into `days`) and wall-clock minute it starts at, which is all its text
 * needs (slotStart, slotEnd). computeSlots gives the same slots as objects;
 * the across-doctors answer merges and writes these directly.
 */
export interface SlotTimes {
  zone: string;
  days: readonly LocalDay[];
  slotMinutes: number;
  startMs: ArrayLike<number>;
  day: ArrayLike<number>;
  minute: ArrayLike<number>;
}

/** Slot `i`'s start, ISO 8601 with the zone's offset (formatLocal, as computeSlots prints it). */
export const slotStart = (t: SlotTimes, i: number): string => formatLocal(t.startMs[i]!, t.zone, t.days[t.day[i]!], t.minute[i]!);
/** Slot `i`'s end, the same way: slotMinutes of elapsed time after its start, printed from its wall time on uniform days. */
export const slotEnd = (t: SlotTimes, i: number): string =>
  formatLocal(t.startMs[i]! + t.slotMinutes * MINUTE_MS, t.zone, t.days[t.day[i]!], t.minute[i]! + t.slotMinutes);

/** Slots of several doctors in one list, by start then doctor; `doctor[i]` indexes `doctorIds`. */
export interface DoctorSlotTimes extends SlotTimes {
  doctor: ArrayLike<number>;
  doctorIds: readonly string[];
}

/**
 * Each doctor's slot times (each list in time order, the lists in doctor-id
 * order, all of one zone, range and length) merged by start; on equal
 * starts the earlier list comes first. Numbers are copied, nothing is
 * allocated per slot.
 */
export function mergeSlotTimes(lists: readonly SlotTimes[], doctorIds: readonly string[], empty: Omit<SlotTimes, 'startMs' | 'day' | 'minute'>): DoctorSlotTimes {
  let total = 0;
  for (const l of lists) total += l.startMs.length;
  const startMs = new Float64Array(total);
  // Day indexes (< 62), minutes (< 1440) and doctor indexes fit in 32 bits.
  const day = new Int32Array(total);
  const minute = new Int32Array(total);
  const doctor = new Int32Array(total);
  const at = lists.map(() => 0);
  // Each list's next start, +Infinity once it is used up: no read past an array's end.
  const head = lists.map((l) => (l.startMs.length > 0 ? l.startMs[0]! : Number.POSITIVE_INFINITY));
  for (let n = 0; n < total; n++) {
    let pick = 0;
    // Strictly earlier wins: on a tie the earlier list (the lower doctor id) keeps it.
    for (let k = 1; k < head.length; k++) if (head[k]! < head[pick]!) pick = k;
    const list = lists[pick]!;
    const i = at[pick]!++;
    startMs[n] = head[pick]!;
    day[n] = list.day[i]!;
    minute[n] = list.minute[i]!;
    doctor[n] = pick;
    head[pick] = i + 1 < list.startMs.length ? list.startMs[i + 1]! : Number.POSITIVE_INFINITY;
  }
  return { ...empty, startMs, day, minute, doctor, doctorIds };
}

export function computeSlots(query: SlotQuery): Slot[] {
  const times = computeSlotTimes(query);
  const slotMs = query.slotMinutes * MINUTE_MS;
  const slots: Slot[] = [];
  for (let i = 0; i < times.startMs.length; i++) {
    const startMs = times.startMs[i]!;
    slots.push({ startMs, endMs: startMs + slotMs, start: slotStart(times, i), end: slotEnd(times, i) });
  }
  return slots;
}

export function computeSlotTimes(query: SlotQuery): SlotTimes {
  const { zone, slotMinutes, bufferMinutes } = query;
  const slotMs = slotMinutes * MINUTE_MS;
  const beforeMs = (query.bufferBeforeMinutes ?? 0) * MINUTE_MS;
  const afterMs = (query.bufferAfterMinutes ?? 0) * MINUTE_MS;
  const step = slotMinutes + bufferMinutes + (query.bufferBeforeMinutes ?? 0) + (query.bufferAfterMinutes ?? 0);
  const intervalsOf = byWeekday(query.weekly);
  const busy = busyRanges(query.timeOff, query.appointments, bufferMinutes, query.closures);
  // Where the blocked span [start - before, end + after) may not start for lack of resources.
  const refused = query.refusals !== undefined ? query.refusals : resourceRefusals(query.resources, beforeMs + slotMs + afterMs);
  const days = query.days ?? localDays(zone, Temporal.PlainDate.from(query.from), Temporal.PlainDate.from(query.to));
  const notAfter = query.notAfterMs ?? Number.POSITIVE_INFINITY;
  const out = { zone, days, slotMinutes, startMs: [] as number[], day: [] as number[], minute: [] as number[] };
  let busyIndex = 0;
  let refusedIndex = 0;
  let lastEnd = Number.NEGATIVE_INFINITY;

  for (let d = 0; d < days.length; d++) {
    const day = days[d]!;
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
        if (refused) {
          // Starts come in time order, so the cursor only moves forward.
          while (refusedIndex < refused.length && refused[refusedIndex]!.beforeMs <= blockedFrom) refusedIndex++;
          const r = refused[refusedIndex];
          if (r && r.afterMs < blockedFrom) continue;
        }
        out.startMs.push(startMs);
        out.day.push(d);
        out.minute.push(minute);
        lastEnd = endMs;
      }
    }
  }
  return out;
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
