import { Temporal } from 'temporal-polyfill';

/**
 * Which local day, and which local month, an instant falls in, per zone,
 * with Temporal asked once per day or month instead of on every call (a
 * booking asks three times; Temporal's zone conversions were most of its
 * Temporal time). A zone's local days partition the timeline into intervals
 * [first instant of the day, first instant of the next day), and so do its
 * months; each interval here is computed by Temporal, so an instant inside a
 * known interval is in that day or month exactly, whatever the zone's
 * transitions do (skipped midnights, repeated hours, skipped days).
 */
const DAY_MS = 86_400_000;

interface Interval<T> {
  startMs: number;
  endMs: number;
  value: T;
}

/** Intervals by zone and bucket of elapsed time (every bucket an interval touches lists it); bounded, emptied when full. */
class IntervalCache<T> {
  #buckets = new Map<string, Interval<T>[]>();
  #size = 0;
  constructor(
    private readonly bucketMs: number,
    private readonly maxIntervals: number,
  ) {}

  find(zone: string, ms: number): T | undefined {
    const list = this.#buckets.get(`${zone} ${Math.floor(ms / this.bucketMs)}`);
    if (list) for (const i of list) if (i.startMs <= ms && ms < i.endMs) return i.value;
    return undefined;
  }

  add(zone: string, interval: Interval<T>): T {
    if (this.#size >= this.maxIntervals) {
      this.#buckets.clear();
      this.#size = 0;
    }
    this.#size++;
    for (let b = Math.floor(interval.startMs / this.bucketMs); b <= Math.floor((interval.endMs - 1) / this.bucketMs); b++) {
      const key = `${zone} ${b}`;
      const list = this.#buckets.get(key);
      if (list) list.push(interval);
      else this.#buckets.set(key, [interval]);
    }
    return interval.value;
  }
}

const days = new IntervalCache<Temporal.PlainDate>(DAY_MS, 20_000);
const months = new IntervalCache<{ fromMs: number; toMs: number }>(16 * DAY_MS, 2_000);

const startOf = (date: Temporal.PlainDate, zone: string) => date.toZonedDateTime({ timeZone: zone }).epochMilliseconds;

/** The local date of an instant in `zone`. */
export function localDateOf(ms: number, zone: string): Temporal.PlainDate {
  const known = days.find(zone, ms);
  if (known) return known;
  const date = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).toPlainDate();
  return days.add(zone, { startMs: startOf(date, zone), endMs: startOf(date.add({ days: 1 }), zone), value: date });
}

/** The local calendar month an instant falls in, as the instants of its first day's start and the next month's. */
export function localMonthOf(ms: number, zone: string): { fromMs: number; toMs: number } {
  const known = months.find(zone, ms);
  if (known) return known;
  const local = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
  const first = Temporal.PlainDate.from({ year: local.year, month: local.month, day: 1 });
  const value = Object.freeze({ fromMs: startOf(first, zone), toMs: startOf(first.add({ months: 1 }), zone) });
  return months.add(zone, { startMs: value.fromMs, endMs: value.toMs, value });
}
