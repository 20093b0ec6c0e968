import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { expandRecurrence, MAX_OCCURRENCES } from './recurrence.ts';

const ZONES = ['America/New_York', 'Europe/London', 'Europe/Berlin', 'Australia/Sydney', 'Asia/Kolkata', 'America/Santiago', 'Pacific/Chatham', 'UTC'];

const wall = (zone: string, at: Date) => Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(zone).toPlainDateTime();

describe('expandRecurrence', () => {
  it('keeps the local wall-clock time and steps local dates by the interval, in any zone (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.date({ min: new Date('2027-01-01T00:00:00Z'), max: new Date('2029-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom('daily' as const, 'weekly' as const),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 2, max: MAX_OCCURRENCES }),
        (zone, at, frequency, interval, count) => {
          const first = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
          const occurrences = expandRecurrence(first, zone, { frequency, interval, count });
          expect(occurrences).toHaveLength(count);
          expect(occurrences[0]!.start).toEqual(first);
          const w0 = wall(zone, first);
          occurrences.forEach((o, i) => {
            const expected = w0.add({ days: i * interval * (frequency === 'weekly' ? 7 : 1) });
            if (o.skippedHour) {
              // Only where the zone skips that wall-clock time: Temporal's "compatible" moves it forward.
              expect(wall(zone, o.start).equals(expected)).toBe(false);
              expect(expected.toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds).toBe(o.start.getTime());
            } else {
              expect(wall(zone, o.start).equals(expected)).toBe(true);
            }
            if (i > 0) expect(o.start.getTime()).toBeGreaterThan(occurrences[i - 1]!.start.getTime());
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('marks the hour a spring change skips, and takes the first of a repeated autumn hour', () => {
    const zone = 'America/New_York';
    // 2027-03-14 02:30 does not exist in New York; 2027-11-07 01:30 happens twice.
    const spring = expandRecurrence(new Date('2027-03-07T07:30:00Z'), zone, { frequency: 'weekly', interval: 1, count: 2 });
    expect(wall(zone, spring[0]!.start).toString()).toBe('2027-03-07T02:30:00');
    expect(spring[1]).toEqual({ start: new Date('2027-03-14T07:30:00Z'), skippedHour: true });
    const autumn = expandRecurrence(new Date('2027-10-31T05:30:00Z'), zone, { frequency: 'weekly', interval: 1, count: 2 });
    expect(autumn[1]).toEqual({ start: new Date('2027-11-07T05:30:00Z'), skippedHour: false });
  });

  it('stops at until (inclusive) and after MAX_OCCURRENCES + 1 starts', () => {
    const first = new Date('2027-06-01T09:00:00Z');
    expect(expandRecurrence(first, 'UTC', { frequency: 'daily', interval: 1, until: new Date('2027-06-03T09:00:00Z') })).toHaveLength(3);
    expect(expandRecurrence(first, 'UTC', { frequency: 'daily', interval: 2, until: new Date('2027-06-03T08:59:59Z') })).toHaveLength(1);
    expect(expandRecurrence(first, 'UTC', { frequency: 'daily', interval: 1, until: new Date('2029-01-01T00:00:00Z') })).toHaveLength(MAX_OCCURRENCES + 1);
  });
});
