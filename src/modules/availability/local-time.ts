import { Temporal } from 'temporal-polyfill';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** "HH:MM" of every minute of a day: built once, not padded again for each slot. */
export const CLOCK = Array.from({ length: 1440 }, (_, m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);

/**
 * One local calendar day of a zone, resolved with the Temporal API.
 *
 * Every wall-clock → instant step goes through Temporal (the tz database).
 * Most days last 24 hours at one UTC offset ("uniform"); on those a wall
 * time `m` minutes after local midnight is the day's start plus `m` minutes
 * of elapsed time (no offset arithmetic: the offset is constant by
 * construction, and the start and offset come from Temporal). A day that
 * contains a transition, or whose midnight does not exist, carries its
 * offsets as pieces ("before the change at T: +01:00, from T on: +02:00",
 * each from Temporal): a wall time there is the instant that one of the
 * pieces' offsets maps it into that same piece (the earliest when two do:
 * a repeated hour; none: a skipped one), and an instant prints with the
 * offset of its piece. Offsets with seconds (old local mean times) take
 * Temporal for every step.
 */
export interface LocalDay {
  readonly date: Temporal.PlainDate;
  /** ISO weekday, Monday = 1. */
  weekday: number;
  /** The day's first instant (local midnight, or the first instant after a skipped midnight). */
  startMs: number;
  /** The next local day's first instant: where "24:00" resolves. */
  endMs: number;
  /** Set when the day starts at 00:00 and has a single offset throughout; `date` is the ISO date, printed once per day rather than once per slot. */
  uniform: { offset: string; date: string } | null;
  /** Set on a day that is not uniform (unless an offset has seconds): its offsets, piece by piece. */
  readonly offsets: DayOffsets | null;
}

export interface DayOffsets {
  /** The day's local midnight read as if it were UTC: a wall time's "local milliseconds" start here. */
  wallMs: number;
  /** In time order, covering [startMs, endMs]; an instant of [fromMs, toMs) is at `offset`. */
  pieces: readonly OffsetPiece[];
}

interface OffsetPiece {
  fromMs: number;
  toMs: number;
  offsetMs: number;
  /** "+02:00", as Temporal prints it. */
  offset: string;
}

/**
 * The local days `from`..`to` (inclusive) in `zone`. Temporal finds the
 * range's first midnight and every offset change in the range; between
 * changes, one local midnight follows the previous one by exactly 24 hours of
 * elapsed time (same offset, no change in between), so Temporal is asked
 * again only for a day next to a change. Per-day Temporal calls would cost
 * more than the database query behind a 31-day availability request.
 */
export function localDays(zone: string, from: Temporal.PlainDate, to: Temporal.PlainDate): readonly LocalDay[] {
  const fromUtcMs = utcMidnight(from);
  const count = (utcMidnight(to) - fromUtcMs) / DAY_MS + 1;
  if (count > MAX_CACHED_DAYS) return resolveDays(zone, from, fromUtcMs, count);
  // The days depend on the zone's rules and the dates alone: the same range asked again (every request for this week) is a lookup.
  const key = `${zone} ${fromUtcMs} ${count}`;
  let days = cachedDays.get(key);
  if (!days) {
    days = Object.freeze(resolveDays(zone, from, fromUtcMs, count));
    if (cachedDays.size >= MAX_CACHED_RANGES) cachedDays.delete(cachedDays.keys().next().value!);
    cachedDays.set(key, days);
  }
  return days;
}

/** Ranges up to two months are kept (availability asks for at most 31 days, a booking check for 2–3): ~64 KB at most. */
const MAX_CACHED_DAYS = 62;
const MAX_CACHED_RANGES = 512;
const cachedDays = new Map<string, readonly LocalDay[]>();

function resolveDays(zone: string, from: Temporal.PlainDate, fromUtcMs: number, count: number): LocalDay[] {
  const days: LocalDay[] = [];
  const first = from.toZonedDateTime({ timeZone: zone });
  const rangeEnd = from.add({ days: count }).toZonedDateTime({ timeZone: zone }).epochMilliseconds;
  const transitions = transitionsBetween(first, rangeEnd + DAY_MS);
  // The calendar itself is plain arithmetic: the n-th day's ISO date is n UTC days after `from`, its weekday n after `from`'s.
  const firstWeekday = from.dayOfWeek;
  let startMs = first.epochMilliseconds;
  let start = describeStart(first, from);
  for (let n = 0; n < count; n++) {
    const nextChange = transitions.find((t) => t > startMs) ?? Number.POSITIVE_INFINITY;
    let endMs: number;
    let next: StartInfo;
    if (start.midnight && nextChange > startMs + DAY_MS) {
      // No change up to and including the next midnight: it is 24 h later, at the same offset.
      endMs = startMs + DAY_MS;
      next = start;
    } else {
      const nextDate = from.add({ days: n + 1 });
      const zoned = nextDate.toZonedDateTime({ timeZone: zone });
      endMs = zoned.epochMilliseconds;
      next = describeStart(zoned, nextDate);
    }
    // "+05:30"; an offset with seconds ("+05:53:28", old local mean times) takes the Temporal path.
    const uniform = start.midnight && nextChange >= endMs && endMs - startMs === DAY_MS && start.offset.length === 6;
    const weekday = ((firstWeekday - 1 + n) % 7) + 1;
    const wallMs = fromUtcMs + n * DAY_MS;
    const offsets = uniform ? null : offsetsOf(zone, wallMs, startMs, endMs, start.offset, transitions);
    days.push(new Day(from, n, weekday, startMs, endMs, uniform ? { offset: start.offset, date: isoDate(wallMs) } : null, offsets));
    startMs = endMs;
    start = next;
  }
  return days;
}

/**
 * A LocalDay whose Temporal date is made only when asked for (the days next
 * to a change, and tests): a Temporal object per day cost more than the
 * rest of the day's work.
 */
class Day implements LocalDay {
  #date: Temporal.PlainDate | undefined;
  constructor(
    private readonly first: Temporal.PlainDate,
    private readonly n: number,
    readonly weekday: number,
    readonly startMs: number,
    readonly endMs: number,
    readonly uniform: LocalDay['uniform'],
    readonly offsets: DayOffsets | null,
  ) {}
  get date(): Temporal.PlainDate {
    return (this.#date ??= this.n === 0 ? this.first : this.first.add({ days: this.n }));
  }
}

/** The instant of `date`'s midnight in UTC (any year 0–9999: setUTCFullYear, as Date.UTC reads 0–99 as 19xx). */
export function utcMidnight(date: Temporal.PlainDate): number {
  const d = new Date(0);
  d.setUTCFullYear(date.year, date.month - 1, date.day);
  return d.getTime();
}

/** The pieces of a day at one offset each: from its start, and from every change up to and including its end (where 24:00 prints). */
function offsetsOf(zone: string, wallMs: number, startMs: number, endMs: number, startOffset: string, transitions: readonly number[]): DayOffsets | null {
  const pieces: OffsetPiece[] = [];
  let fromMs = startMs;
  let offset = startOffset;
  for (const t of transitions) {
    if (t <= startMs) continue;
    if (t > endMs) break;
    pieces.push(piece(fromMs, t, offset));
    fromMs = t;
    offset = Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(zone).offset;
  }
  pieces.push(piece(fromMs, Math.max(fromMs, endMs), offset));
  return pieces.every((p) => p.offset.length === 6) ? { wallMs, pieces } : null;
}

function piece(fromMs: number, toMs: number, offset: string): OffsetPiece {
  const sign = offset.startsWith('-') ? -1 : 1;
  const offsetMs = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))) * MINUTE_MS;
  return { fromMs, toMs, offsetMs, offset };
}

/** YYYY-MM-DD of a UTC midnight, as Temporal prints a PlainDate (years 0–9999). */
const isoDate = (utcMs: number) => new Date(utcMs).toISOString().slice(0, 10);

interface StartInfo {
  /** The day starts at 00:00 on its own date (not after a skipped midnight, not a skipped date). */
  midnight: boolean;
  offset: string;
}

function describeStart(zoned: Temporal.ZonedDateTime, date: Temporal.PlainDate): StartInfo {
  // Each ZonedDateTime getter re-derives the offset in the polyfill: read the wall clock once.
  const wall = zoned.toPlainDateTime();
  // Pacific/Apia skipped 2011-12-30: its "start" is 2011-12-31T00:00, another date.
  const midnight = wall.toPlainDate().equals(date) && wall.hour === 0 && wall.minute === 0 && wall.second === 0 && wall.millisecond === 0;
  return { midnight, offset: zoned.offset };
}

function transitionsBetween(start: Temporal.ZonedDateTime, endMs: number): number[] {
  const found: number[] = [];
  let cursor: Temporal.ZonedDateTime | null = start;
  // Real zones change offset at most a few times a year; the bound only guards the loop.
  for (let i = 0; i < 64 && cursor; i++) {
    cursor = cursor.getTimeZoneTransition('next');
    if (!cursor || cursor.epochMilliseconds >= endMs) break;
    found.push(cursor.epochMilliseconds);
  }
  return found;
}

/**
 * The instant a wall-clock time of `day` denotes, or null when that time does
 * not exist (skipped by a forward change). A repeated time resolves to its
 * first occurrence.
 */
export function wallTimeToInstant(day: LocalDay, zone: string, minute: number): number | null {
  if (day.uniform) return day.startMs + minute * MINUTE_MS;
  if (minute >= 1440) return day.endMs;
  if (day.offsets) {
    const wallMs = day.offsets.wallMs + minute * MINUTE_MS;
    for (const p of day.offsets.pieces) {
      const at = wallMs - p.offsetMs;
      if (at >= p.fromMs && at < p.toMs) return at;
    }
    return null;
  }
  const wall = day.date.toPlainDateTime({ hour: Math.floor(minute / 60), minute: minute % 60 });
  const zoned = wall.toZonedDateTime(zone, { disambiguation: 'earlier' });
  return Temporal.PlainDateTime.compare(zoned.toPlainDateTime(), wall) === 0 ? zoned.epochMilliseconds : null;
}

/**
 * Where a working interval that opens or closes at `minute` of `day` begins
 * or ends: the wall time's instant, its first occurrence when repeated, and
 * when it was skipped the instant the clocks jumped (the first moment the
 * local clock reads later than it). 1440 is the next day's start.
 */
export function boundaryInstant(day: LocalDay, zone: string, minute: number): number {
  if (minute >= 1440) return day.endMs;
  const exact = wallTimeToInstant(day, zone, minute);
  if (exact !== null) return exact;
  const wall = day.date.toPlainDateTime({ hour: Math.floor(minute / 60), minute: minute % 60 });
  const before = wall.toZonedDateTime(zone, { disambiguation: 'earlier' });
  const jump = before.getTimeZoneTransition('next');
  return jump ? jump.epochMilliseconds : before.epochMilliseconds;
}

/**
 * ISO 8601 with the zone's offset, e.g. 2027-03-14T09:00:00-04:00, exactly as
 * Temporal prints it. On a uniform day a wall time is printed from its own
 * date and clock reading and the offset Temporal gave for the day; anything
 * else asks Temporal.
 */
export function formatLocal(ms: number, zone: string, day?: LocalDay, minute?: number): string {
  if (day?.uniform && minute !== undefined && minute >= 0 && minute < 1440) {
    return `${day.uniform.date}T${CLOCK[minute]}:00${day.uniform.offset}`;
  }
  const pieces = day?.offsets?.pieces;
  if (pieces && ms >= pieces[0]!.fromMs && ms <= pieces[pieces.length - 1]!.toMs) {
    // The last piece's own end (the next midnight) prints at its offset too: no change lies between.
    const p = pieces.find((q) => ms < q.toMs) ?? pieces[pieces.length - 1]!;
    return `${new Date(ms + p.offsetMs).toISOString().slice(0, 19)}${p.offset}`;
  }
  return Temporal.Instant.fromEpochMilliseconds(ms)
    .toZonedDateTimeISO(zone)
    .toString({ timeZoneName: 'never', smallestUnit: 'second' });
}

// Which local date an instant is on: found once per day and zone (zone-intervals.ts).
export { localDateOf } from './zone-intervals.ts';
