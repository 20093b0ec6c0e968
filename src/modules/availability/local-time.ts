import { Temporal } from 'temporal-polyfill';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** "HH:MM" of every minute of a day: built once, not padded again for each slot. */
const CLOCK = Array.from({ length: 1440 }, (_, m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);

/**
 * One local calendar day of a zone, resolved with the Temporal API.
 *
 * Every wall-clock → instant step goes through Temporal (the tz database).
 * Most days last 24 hours at one UTC offset ("uniform"); on those a wall
 * time `m` minutes after local midnight is the day's start plus `m` minutes
 * of elapsed time (no offset arithmetic: the offset is constant by
 * construction, and the start and offset come from Temporal). Days that
 * contain a transition, or whose midnight does not exist, resolve every wall
 * time through Temporal.
 */
export interface LocalDay {
  date: Temporal.PlainDate;
  /** ISO weekday, Monday = 1. */
  weekday: number;
  /** The day's first instant (local midnight, or the first instant after a skipped midnight). */
  startMs: number;
  /** The next local day's first instant: where "24:00" resolves. */
  endMs: number;
  /** Set when the day starts at 00:00 and has a single offset throughout; `date` is the ISO date, printed once per day rather than once per slot. */
  uniform: { offset: string; date: string } | null;
}

/**
 * The local days `from`..`to` (inclusive) in `zone`. Temporal finds the
 * range's first midnight and every offset change in the range; between
 * changes, one local midnight follows the previous one by exactly 24 hours of
 * elapsed time (same offset, no change in between), so Temporal is asked
 * again only for a day next to a change. Per-day Temporal calls would cost
 * more than the database query behind a 31-day availability request.
 */
export function localDays(zone: string, from: Temporal.PlainDate, to: Temporal.PlainDate): LocalDay[] {
  const days: LocalDay[] = [];
  const first = from.toZonedDateTime({ timeZone: zone });
  const rangeEnd = to.add({ days: 1 }).toZonedDateTime({ timeZone: zone }).epochMilliseconds;
  const transitions = transitionsBetween(first, rangeEnd + DAY_MS);
  let startMs = first.epochMilliseconds;
  let start = describeStart(first, from);
  for (let date = from; Temporal.PlainDate.compare(date, to) <= 0; ) {
    const nextDate = date.add({ days: 1 });
    const nextChange = transitions.find((t) => t > startMs) ?? Number.POSITIVE_INFINITY;
    let endMs: number;
    let next: StartInfo;
    if (start.midnight && nextChange > startMs + DAY_MS) {
      // No change up to and including the next midnight: it is 24 h later, at the same offset.
      endMs = startMs + DAY_MS;
      next = start;
    } else {
      const zoned = nextDate.toZonedDateTime({ timeZone: zone });
      endMs = zoned.epochMilliseconds;
      next = describeStart(zoned, nextDate);
    }
    // "+05:30"; an offset with seconds ("+05:53:28", old local mean times) takes the Temporal path.
    const uniform = start.midnight && nextChange >= endMs && endMs - startMs === DAY_MS && start.offset.length === 6;
    days.push({ date, weekday: date.dayOfWeek, startMs, endMs, uniform: uniform ? { offset: start.offset, date: date.toString() } : null });
    date = nextDate;
    startMs = endMs;
    start = next;
  }
  return days;
}

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
  return Temporal.Instant.fromEpochMilliseconds(ms)
    .toZonedDateTimeISO(zone)
    .toString({ timeZoneName: 'never', smallestUnit: 'second' });
}

/** The local calendar date of an instant in `zone`. */
export function localDateOf(ms: number, zone: string): Temporal.PlainDate {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).toPlainDate();
}
