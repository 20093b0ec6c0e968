import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe as describeAll, expect, it } from 'vitest';
import { onServices } from '../../../test/helpers/target.ts';
import type { WeeklyInterval } from '../schedules/weekly.ts';
import { formatLocal, localDays, wallTimeToInstant } from './local-time.ts';
import { computeSlots, isWithinWorkingHours, resourceRefusals, workingRanges, type TimeRange } from './slots.ts';

// Pure functions: no adapter is involved, so the services project would only repeat this file.
const describe = describeAll.skipIf(onServices);

/**
 * Zones chosen for their awkward rules: 60- and 30-minute DST shifts, DST at
 * midnight, negative DST (Dublin), a 2-hour shift (Troll), Ramadan changes
 * (Casablanca), quarter-hour offsets, and zones without DST.
 */
const ZONES = [
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Pacific/Apia',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Europe/Dublin',
  'Antarctica/Troll',
  'Africa/Casablanca',
  'Pacific/Chatham',
  'America/Havana',
  'UTC',
];
const MINUTE = 60_000;
const BASE_DATE = Temporal.PlainDate.from('2025-01-01');
const YEARS = 6;

/** Days from BASE_DATE of every offset change in 2025–2030, per zone: random dates rarely land on one, so half the cases aim at them. */
const transitionDays = new Map(
  ZONES.map((zone) => {
    const days: number[] = [];
    const end = BASE_DATE.add({ years: YEARS }).toZonedDateTime({ timeZone: zone }).epochMilliseconds;
    let cursor: Temporal.ZonedDateTime | null = BASE_DATE.toZonedDateTime({ timeZone: zone });
    while ((cursor = cursor.getTimeZoneTransition('next')) && cursor.epochMilliseconds < end) {
      days.push(BASE_DATE.until(cursor.toPlainDate(), { largestUnit: 'days' }).days);
    }
    return [zone, days] as const;
  }),
);

/** A zone and a day offset, near one of its transitions half of the time. */
const zoneDayArb = (maxBefore: number) =>
  fc.constantFrom(...ZONES).chain((zone) => {
    const near = transitionDays.get(zone)!;
    const anyDay = fc.integer({ min: 0, max: YEARS * 365 - 40 });
    const nearDay = near.length
      ? fc.tuple(fc.constantFrom(...near), fc.integer({ min: 0, max: maxBefore })).map(([d, back]) => Math.max(0, d - back))
      : anyDay;
    return fc.tuple(fc.constant(zone), fc.oneof(anyDay, nearDay));
  });

/** Non-overlapping intervals per weekday, on a 5-minute grid, some touching, some ending at 24:00. */
const weeklyArb = fc
  .array(
    fc.record({
      weekday: fc.integer({ min: 1, max: 7 }),
      cuts: fc.uniqueArray(fc.integer({ min: 0, max: 288 }), { minLength: 2, maxLength: 6 }),
    }),
    { minLength: 1, maxLength: 7 },
  )
  .map((days) => {
    const byDay = new Map<number, number[]>();
    for (const d of days) byDay.set(d.weekday, [...(byDay.get(d.weekday) ?? []), ...d.cuts]);
    const weekly: WeeklyInterval[] = [];
    for (const [weekday, cuts] of byDay) {
      const sorted = [...new Set(cuts)].sort((a, b) => a - b).map((c) => c * 5);
      for (let i = 0; i + 1 < sorted.length; i += 2) weekly.push({ weekday, startMinute: sorted[i]!, endMinute: sorted[i + 1]! });
    }
    return weekly;
  })
  .filter((w) => w.length > 0);

const scenarioArb = fc
  .record({
    zoneDay: zoneDayArb(5),
    weekly: weeklyArb,
    slotMinutes: fc.integer({ min: 5, max: 240 }),
    bufferMinutes: fc.integer({ min: 0, max: 60 }),
    lengthDays: fc.integer({ min: 1, max: 31 }),
    // Busy ranges and "now" as minutes from the range's first day (UTC-ish, then shifted into the range).
    timeOff: fc.array(fc.record({ at: fc.integer({ min: -1440, max: 32 * 1440 }), len: fc.integer({ min: 1, max: 3 * 1440 }) }), { maxLength: 4 }),
    appointments: fc.array(fc.record({ at: fc.integer({ min: -1440, max: 32 * 1440 }), len: fc.integer({ min: 5, max: 240 }) }), { maxLength: 25 }),
    nowAt: fc.integer({ min: -2 * 1440, max: 20 * 1440 }),
    noticeMinutes: fc.integer({ min: 0, max: 2 * 1440 }),
  })
  .map(({ zoneDay: [zone, startOffsetDays], ...s }) => {
    const from = BASE_DATE.add({ days: startOffsetDays });
    const to = from.add({ days: s.lengthDays - 1 });
    const origin = from.toZonedDateTime({ timeZone: zone }).epochMilliseconds;
    const toRange = (r: { at: number; len: number }): TimeRange => ({ startMs: origin + r.at * MINUTE, endMs: origin + (r.at + r.len) * MINUTE });
    return {
      ...s,
      zone,
      from: from.toString(),
      to: to.toString(),
      timeOffRanges: s.timeOff.map(toRange),
      appointmentRanges: s.appointments.map(toRange),
      nowMs: origin + s.nowAt * MINUTE,
    };
  });

const overlaps = (a: TimeRange, b: TimeRange) => a.startMs < b.endMs && b.startMs < a.endMs;

describe('computeSlots properties', () => {
  it('never overlaps, stays inside working hours, avoids time off and (buffered) appointments, and lies in the future', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const notBeforeMs = s.nowMs + s.noticeMinutes * MINUTE;
        const slots = computeSlots({
          zone: s.zone,
          weekly: s.weekly,
          slotMinutes: s.slotMinutes,
          bufferMinutes: s.bufferMinutes,
          from: s.from,
          to: s.to,
          timeOff: s.timeOffRanges,
          appointments: s.appointmentRanges,
          notBeforeMs,
        });
        const working = workingRanges(s.weekly, s.zone, Temporal.PlainDate.from(s.from), Temporal.PlainDate.from(s.to));
        const fromDate = Temporal.PlainDate.from(s.from);
        const toDate = Temporal.PlainDate.from(s.to);
        const buffer = s.bufferMinutes * MINUTE;
        const stride = Math.max(1, Math.floor(slots.length / 40));
        const changes = localDays(s.zone, fromDate, toDate).filter((d) => !d.uniform);
        const nearChange = (slot: TimeRange) => changes.some((d) => slot.endMs >= d.startMs && slot.startMs <= d.endMs);
        for (let i = 0; i < slots.length; i++) {
          const slot = slots[i]!;
          // Exactly slotMinutes of elapsed time, in order, no overlap with the previous slot.
          expect(slot.endMs - slot.startMs).toBe(s.slotMinutes * MINUTE);
          if (i > 0) expect(slot.startMs).toBeGreaterThanOrEqual(slots[i - 1]!.endMs);
          // In the future (and past the minimum notice).
          expect(slot.startMs).toBeGreaterThanOrEqual(notBeforeMs);
          // Inside one working range; clear of time off and of appointments widened by the buffer.
          expect(working.some((w) => w.startMs <= slot.startMs && slot.endMs <= w.endMs)).toBe(true);
          for (const t of s.timeOffRanges) expect(overlaps(slot, t)).toBe(false);
          for (const a of s.appointmentRanges) expect(overlaps(slot, { startMs: a.startMs - buffer, endMs: a.endMs + buffer })).toBe(false);
          // The Temporal-backed checks below cost ~50 µs a slot: all slots near an offset change, a sample elsewhere.
          if (!(i % stride === 0 || nearChange(slot))) continue;
          // Bookable by the same rules booking uses (OUTSIDE_SCHEDULE).
          expect(isWithinWorkingHours(s.weekly, s.timeOffRanges, s.zone, slot.startMs, slot.endMs)).toBe(true);
          // Independently of the code under test: the start's local wall time, per Temporal,
          // is inside an interval of that local weekday, on a date of the requested range.
          const local = Temporal.Instant.fromEpochMilliseconds(slot.startMs).toZonedDateTimeISO(s.zone);
          const minute = local.hour * 60 + local.minute;
          expect(Temporal.PlainDate.compare(local.toPlainDate(), fromDate) >= 0 && Temporal.PlainDate.compare(local.toPlainDate(), toDate) <= 0).toBe(true);
          expect(s.weekly.some((w) => w.weekday === local.dayOfWeek && w.startMinute <= minute && minute < w.endMinute)).toBe(true);
          // The strings are the same instants, printed with the zone's offset exactly as Temporal prints them.
          const print = (ms: number) => Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(s.zone).toString({ timeZoneName: 'never', smallestUnit: 'second' });
          expect(slot.start).toBe(print(slot.startMs));
          expect(slot.end).toBe(print(slot.endMs));
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('computeSlots with a visit type (buffers, closures, resources)', () => {
  const rangeArb = fc.record({ at: fc.integer({ min: -1440, max: 32 * 1440 }), len: fc.integer({ min: 5, max: 600 }) });
  const typeArb = fc.record({
    before: fc.integer({ min: 0, max: 60 }),
    after: fc.integer({ min: 0, max: 60 }),
    closures: fc.array(rangeArb, { maxLength: 3 }),
    requires: fc.array(fc.constantFrom('room', 'mri'), { maxLength: 3 }),
    pools: fc.record({ room: fc.array(fc.array(rangeArb, { maxLength: 12 }), { maxLength: 3 }), mri: fc.array(fc.array(rangeArb, { maxLength: 12 }), { maxLength: 2 }) }),
  });

  it('offers exactly the slots of the plain computation whose blocked time is clear of closures and has enough free resources of every kind', () => {
    fc.assert(
      fc.property(scenarioArb, typeArb, (s, vt) => {
        const origin = Temporal.PlainDate.from(s.from).toZonedDateTime({ timeZone: s.zone }).epochMilliseconds;
        const toRange = (r: { at: number; len: number }): TimeRange => ({ startMs: origin + r.at * MINUTE, endMs: origin + (r.at + r.len) * MINUTE });
        const pools = { room: vt.pools.room.map((busy) => busy.map(toRange)), mri: vt.pools.mri.map((busy) => busy.map(toRange)) };
        const closures = vt.closures.map(toRange);
        const base = {
          zone: s.zone,
          weekly: s.weekly,
          slotMinutes: s.slotMinutes,
          bufferMinutes: s.bufferMinutes,
          from: s.from,
          to: s.to,
          timeOff: s.timeOffRanges,
          appointments: s.appointmentRanges,
          notBeforeMs: s.nowMs + s.noticeMinutes * MINUTE,
          bufferBeforeMinutes: vt.before,
          bufferAfterMinutes: vt.after,
        };
        const plain = computeSlots(base);
        const typed = computeSlots({ ...base, closures, resources: { requires: vt.requires, pools } });
        const blocked = (slot: TimeRange): TimeRange => ({ startMs: slot.startMs - vt.before * MINUTE, endMs: slot.endMs + vt.after * MINUTE });
        const enough = (range: TimeRange) =>
          (['room', 'mri'] as const).every((kind) => {
            const need = vt.requires.filter((k) => k === kind).length;
            return pools[kind].filter((busy) => !busy.some((b) => overlaps(b, range))).length >= need;
          });
        const expected = plain.filter((slot) => !closures.some((c) => overlaps(c, blocked(slot))) && enough(blocked(slot)));
        expect(typed.map((x) => x.startMs)).toEqual(expected.map((x) => x.startMs));
        // The blocked time of each offered slot avoids time off and the doctor's buffered appointments too.
        const buffer = s.bufferMinutes * MINUTE;
        for (const slot of typed) {
          for (const t of s.timeOffRanges) expect(overlaps(blocked(slot), t)).toBe(false);
          for (const a of s.appointmentRanges) expect(overlaps(blocked(slot), { startMs: a.startMs - buffer, endMs: a.endMs + buffer })).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('resourceRefusals (one sweep per kind)', () => {
  // A small grid, so busy ranges touch, nest and leave gaps of exactly the span often; every start on it is checked.
  const busyArb = fc.array(fc.record({ at: fc.integer({ min: 0, max: 40 }), len: fc.integer({ min: 1, max: 8 }) }), { maxLength: 6 });
  it('refuses exactly the starts where fewer than the needed resources of a kind are free for the whole span', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('room', 'mri'), { minLength: 1, maxLength: 4 }),
        fc.record({ room: fc.array(busyArb, { maxLength: 4 }), mri: fc.array(busyArb, { maxLength: 3 }) }),
        fc.integer({ min: 1, max: 10 }),
        (requires, raw, span) => {
          const pools = { room: raw.room.map((busy) => busy.map((b) => ({ startMs: b.at, endMs: b.at + b.len }))), mri: raw.mri.map((busy) => busy.map((b) => ({ startMs: b.at, endMs: b.at + b.len }))) };
          const refused = resourceRefusals({ requires, pools }, span)!;
          for (let i = 1; i < refused.length; i++) expect(refused[i]!.afterMs).toBeGreaterThanOrEqual(refused[i - 1]!.beforeMs);
          for (let s = -15; s <= 55; s++) {
            const range = { startMs: s, endMs: s + span };
            const enough = (['room', 'mri'] as const).every((kind) => {
              const need = requires.filter((k) => k === kind).length;
              return pools[kind].filter((busy) => !busy.some((b) => overlaps(b, range))).length >= need;
            });
            expect(refused.some((r) => r.afterMs < s && s < r.beforeMs)).toBe(!enough);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('local-time fast path agrees with Temporal', () => {
  it('resolves every wall time like Temporal (first occurrence when repeated, none when skipped) and prints it alike', () => {
    fc.assert(
      fc.property(zoneDayArb(1), fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 40 }), ([zone, offsetDays], minute, lead) => {
          const date = BASE_DATE.add({ days: offsetDays });
          // The last day of a longer range: later days are derived from earlier ones, so test them too.
          const day = localDays(zone, date.subtract({ days: lead }), date).at(-1);
          const wall = date.toPlainDateTime({ hour: Math.floor(minute / 60), minute: minute % 60 });
          const earlier = wall.toZonedDateTime(zone, { disambiguation: 'earlier' });
          const exists = Temporal.PlainDateTime.compare(earlier.toPlainDateTime(), wall) === 0;
          expect(day!.date.equals(date)).toBe(true);
          const got = wallTimeToInstant(day!, zone, minute);
          expect(got).toBe(exists ? earlier.epochMilliseconds : null);
          if (got !== null) expect(formatLocal(got, zone, day, minute)).toBe(earlier.toString({ timeZoneName: 'never', smallestUnit: 'second' }));
      }),
      { numRuns: 3000 },
    );
  });

  it('marks a day uniform only when it is 24 hours at one offset, and every transition day as not', () => {
    for (const zone of ZONES) {
      // Two years keep this quick; the wall-time property above samples all six.
      const days = localDays(zone, BASE_DATE.add({ years: 2 }), BASE_DATE.add({ years: 4 }).subtract({ days: 1 }));
      const changeDays = new Set(transitionDays.get(zone));
      for (const day of days) {
        const index = BASE_DATE.until(day.date, { largestUnit: 'days' }).days;
        if (changeDays.has(index)) expect(day.uniform).toBeNull();
        if (!day.uniform) continue;
        expect(day.endMs - day.startMs).toBe(86_400_000);
        for (const minute of [0, 1439]) {
          const zoned = day.date.toPlainDateTime({ hour: Math.floor(minute / 60), minute: minute % 60 }).toZonedDateTime(zone);
          expect(zoned.epochMilliseconds).toBe(day.startMs + minute * MINUTE);
          expect(zoned.offset).toBe(day.uniform.offset);
        }
      }
    }
  });
});
