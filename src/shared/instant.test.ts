import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { commonInstantMs, parseInstant } from './instant.ts';

/** The fast path of parseInstant reads every string of its shape exactly as Temporal does, and refuses what Temporal refuses. */
const pad = (n: number, w: number) => String(n).padStart(w, '0');
const shaped = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.option(fc.integer({ min: 0, max: 61 })),
    fraction: fc.option(fc.stringMatching(/^\d{1,9}$/)),
    offset: fc.oneof(fc.constant('Z'), fc.record({ sign: fc.constantFrom('+', '-'), h: fc.integer({ min: 0, max: 24 }), m: fc.integer({ min: 0, max: 60 }) })),
  })
  .map(({ year, month, day, hour, minute, second, fraction, offset }) => {
    const seconds = second === null ? '' : `:${pad(second, 2)}${fraction === null ? '' : `.${fraction}`}`;
    const zone = typeof offset === 'string' ? offset : `${offset.sign}${pad(offset.h, 2)}:${pad(offset.m, 2)}`;
    return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}${seconds}${zone}`;
  });

const temporalMs = (value: string): number | null => {
  try {
    return Temporal.Instant.from(value).epochMilliseconds;
  } catch {
    return null;
  }
};

describe('parseInstant', () => {
  it('reads every string of the common shape as Temporal does; it leaves to Temporal only leap seconds and what Temporal refuses', () => {
    fc.assert(
      fc.property(shaped, (value) => {
        const fast = commonInstantMs(value);
        const slow = temporalMs(value);
        if (fast !== null) expect(fast, value).toBe(slow);
        // Refused by the fast path: Temporal refuses it too, or it is one of the forms left to Temporal.
        else if (slow !== null) expect(value, `${value} should have been read`).toMatch(/:60|T24|[+-]24:/);
      }),
      { numRuns: 20_000 },
    );
  });

  it('keeps the rules of the slow path: offsets required, years 1970–9999, a clear 400 otherwise', () => {
    expect(parseInstant('2027-03-15T09:00:00+01:00', 'start').toISOString()).toBe('2027-03-15T08:00:00.000Z');
    expect(parseInstant('2027-03-15T09:00:00.1239Z', 'start').toISOString()).toBe('2027-03-15T09:00:00.123Z');
    expect(parseInstant('2027-03-15t09:00:00z', 'start').toISOString()).toBe('2027-03-15T09:00:00.000Z');
    for (const bad of ['2027-03-15T09:00:00', '2027-02-29T09:00:00Z', '1969-12-31T23:59:59Z', 'tomorrow']) {
      expect(() => parseInstant(bad, 'start'), bad).toThrow(/start must be an ISO 8601 instant/);
    }
  });
});
