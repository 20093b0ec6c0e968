import { Temporal } from 'temporal-polyfill';
import { validation } from '../../shared/errors.ts';
import { parseInstant } from '../../shared/instant.ts';
import { localMonth } from '../appointments/booking-rules.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import { MAX_OCCURRENCES, MIN_OCCURRENCES, type Occurrence, type RecurrenceRule } from './recurrence.ts';
import { monthUsageExcept, type SeriesRow } from './series.repo.ts';
import type { CreateSeriesInput } from './series.schemas.ts';

const field = (name: string, message: string) => ({ fields: [{ field: `recurrence.${name}`, in: 'body', message }] });

/**
 * The recurrence of a request as a rule, with the checks the schema cannot
 * make: exactly one of count and until; until after the start; and, once
 * expanded, 2–52 occurrences (`check`). A local date as `until` means that
 * whole day in the hospital's zone.
 */
export function seriesRule(recurrence: CreateSeriesInput['recurrence'], first: Date, zone: string): RecurrenceRule & { check(occurrences: number): void } {
  const hasCount = recurrence.count !== undefined;
  const hasUntil = recurrence.until !== undefined;
  if (hasCount === hasUntil) {
    const message = hasCount ? 'give count or until, not both' : 'give count or until';
    throw validation(`Invalid body: recurrence needs exactly one of count and until (${message})`, field(hasCount ? 'until' : 'count', 'exactly one of count and until'));
  }
  const until = hasUntil ? parseUntil(recurrence.until!, zone) : undefined;
  if (until && until.getTime() <= first.getTime()) {
    throw validation('Invalid body: recurrence.until must be after start', field('until', 'must be after start'));
  }
  return {
    frequency: recurrence.frequency,
    interval: recurrence.interval ?? 1,
    count: recurrence.count,
    until,
    check(occurrences) {
      if (occurrences >= MIN_OCCURRENCES && occurrences <= MAX_OCCURRENCES) return;
      const message = `gives ${occurrences > MAX_OCCURRENCES ? `more than ${MAX_OCCURRENCES}` : occurrences} occurrences; a series has ${MIN_OCCURRENCES}–${MAX_OCCURRENCES}`;
      throw validation(`Invalid body: recurrence.until ${message}`, field('until', message));
    },
  };
}

function parseUntil(value: string, zone: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return parseInstant(value, 'recurrence.until');
  try {
    // The whole local day: every start before the next day's first instant.
    const next = Temporal.PlainDate.from(value, { overflow: 'reject' }).add({ days: 1 }).toZonedDateTime({ timeZone: zone });
    return new Date(next.epochMilliseconds - 1);
  } catch {
    throw validation('Invalid body: recurrence.until must be an ISO 8601 instant with offset or a date YYYY-MM-DD', field('until', 'must be an instant or a date'));
  }
}

export interface MonthNumbers {
  /** The hospital-local month, YYYY-MM. */
  month: string;
  limit: number;
  /** Counted appointments of the month apart from this series. */
  used: number;
  /** This series' occurrences in the month. */
  requested: number;
}

/** The plan's numbers for every local month the series would take past the limit. */
export async function planNumbers(scope: TenantScope, series: SeriesRow, occurrences: Occurrence[], limit: number): Promise<MonthNumbers[]> {
  const byMonth = new Map<number, { from: Date; to: Date; requested: number }>();
  for (const o of occurrences) {
    if (o.skippedHour) continue;
    const m = localMonth(o.start, series.timezone);
    const entry = byMonth.get(m.from.getTime()) ?? { ...m, requested: 0 };
    entry.requested += 1;
    byMonth.set(m.from.getTime(), entry);
  }
  const months = [...byMonth.values()];
  const used = await monthUsageExcept(scope, series.id, months);
  return months
    .map((m, i) => ({
      month: Temporal.Instant.fromEpochMilliseconds(m.from.getTime()).toZonedDateTimeISO(series.timezone).toPlainDate().toPlainYearMonth().toString(),
      limit,
      used: used[i]!,
      requested: m.requested,
    }))
    .filter((m) => m.used + m.requested > m.limit);
}
