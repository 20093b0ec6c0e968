import { Temporal } from 'temporal-polyfill';
import type { SeriesFrequency } from '../../infra/db/schema/appointment-series.ts';

/**
 * The pure expansion of a series' rule into its occurrences' starts (no
 * database, no clock). Every occurrence keeps the first one's local
 * wall-clock time in the hospital's zone: weekly 09:00 stays 09:00 on both
 * sides of a DST change, so the instants move by an hour there, exactly as a
 * patient reads their calendar. Steps are taken on local dates (Temporal's
 * PlainDateTime), never by adding milliseconds.
 */

export const MIN_OCCURRENCES = 2;
export const MAX_OCCURRENCES = 52;

export interface RecurrenceRule {
  frequency: SeriesFrequency;
  interval: number;
  /** Exactly one of count and until (the service checks). */
  count?: number;
  /** The last instant an occurrence may start at (inclusive). */
  until?: Date;
}

export interface Occurrence {
  start: Date;
  /**
   * The wall-clock time does not exist on that date (the hour a DST change
   * skips): `start` is where Temporal's "compatible" rule puts it, an hour
   * later, which is not the series' time — the service reports it rather than
   * book it. A repeated hour (autumn) takes its first, as calendars do.
   */
  skippedHour: boolean;
}

/**
 * The occurrences of the rule starting at `first` in `zone`. With `until`,
 * it stops at the first start after it, or after MAX_OCCURRENCES + 1 starts
 * (enough for the caller to tell "too many").
 */
export function expandRecurrence(first: Date, zone: string, rule: RecurrenceRule): Occurrence[] {
  const wall = Temporal.Instant.fromEpochMilliseconds(first.getTime()).toZonedDateTimeISO(zone).toPlainDateTime();
  const stepDays = rule.interval * (rule.frequency === 'weekly' ? 7 : 1);
  const limit = Math.min(rule.count ?? MAX_OCCURRENCES + 1, MAX_OCCURRENCES + 1);
  const occurrences: Occurrence[] = [{ start: first, skippedHour: false }];
  for (let i = 1; i < limit; i++) {
    const local = wall.add({ days: i * stepDays });
    const zoned = local.toZonedDateTime(zone, { disambiguation: 'compatible' });
    const start = new Date(zoned.epochMilliseconds);
    if (rule.until && start.getTime() > rule.until.getTime()) break;
    occurrences.push({ start, skippedHour: !zoned.toPlainDateTime().equals(local) });
  }
  return occurrences;
}

/** The local wall-clock time of `at` in `zone` ("09:00"), for the reason of a skipped hour. */
export function localTimeOf(at: Date, zone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(zone).toPlainTime().toString({ smallestUnit: 'minute' });
}
