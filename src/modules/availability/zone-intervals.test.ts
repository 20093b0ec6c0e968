import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { localDateOf, localMonthOf } from './zone-intervals.ts';

/**
 * The cached day and month of an instant are Temporal's, asked afresh, in
 * zones whose rules make days and months odd: DST at midnight (Santiago,
 * Havana), half-hour DST (Lord Howe), a skipped day (Apia, 2011-12-30),
 * offsets that changed by more than a day's worth, a zone without DST.
 * Instants cluster around each zone's transitions, where a wrong interval
 * would show, and the cache is warm with earlier answers in every run.
 */
const ZONES = ['Europe/London', 'America/New_York', 'America/Santiago', 'America/Havana', 'Australia/Lord_Howe', 'Pacific/Apia', 'Africa/Casablanca', 'Asia/Kolkata', 'UTC'];
const HOUR = 3_600_000;

const transitionsOf = (zone: string): number[] => {
  const out: number[] = [];
  let at: Temporal.ZonedDateTime | null = Temporal.Instant.from('2010-01-01T00:00:00Z').toZonedDateTimeISO(zone);
  while (at && at.epochMilliseconds < Date.UTC(2031, 0, 1)) {
    at = at.getTimeZoneTransition('next');
    if (at) out.push(at.epochMilliseconds);
  }
  return out;
};
const transitions = new Map(ZONES.map((z) => [z, transitionsOf(z)]));

const instant = fc.constantFrom(...ZONES).chain((zone) => {
  const near = transitions.get(zone)!;
  const around = near.length
    ? fc.tuple(fc.constantFrom(...near), fc.integer({ min: -50 * HOUR, max: 50 * HOUR })).map(([t, d]) => t + d)
    : fc.constant(Date.UTC(2027, 2, 28));
  return fc.tuple(fc.constant(zone), fc.oneof(around, fc.integer({ min: Date.UTC(2010, 0, 1), max: Date.UTC(2031, 0, 1) })));
});

describe('zone intervals', () => {
  it("gives every instant Temporal's local date and local month", () => {
    fc.assert(
      fc.property(instant, ([zone, ms]) => {
        const local = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
        expect(localDateOf(ms, zone).toString(), `${zone} ${new Date(ms).toISOString()}`).toBe(local.toPlainDate().toString());
        const first = Temporal.PlainDate.from({ year: local.year, month: local.month, day: 1 });
        expect(localMonthOf(ms, zone), `${zone} ${new Date(ms).toISOString()}`).toEqual({
          fromMs: first.toZonedDateTime({ timeZone: zone }).epochMilliseconds,
          toMs: first.add({ months: 1 }).toZonedDateTime({ timeZone: zone }).epochMilliseconds,
        });
      }),
      { numRuns: 20_000 },
    );
  });

  it('knows the day Samoa skipped: no instant is on 2011-12-30 in Pacific/Apia', () => {
    const before = Date.parse('2011-12-30T09:59:59.999Z');
    expect(localDateOf(before, 'Pacific/Apia').toString()).toBe('2011-12-29');
    expect(localDateOf(before + 1, 'Pacific/Apia').toString()).toBe('2011-12-31');
  });
});
