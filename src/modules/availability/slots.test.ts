import { Temporal } from 'temporal-polyfill';
import { describe as describeAll, expect, it } from 'vitest';
import { onServices } from '../../../test/helpers/target.ts';
import { parseWeekly, type WeeklyIntervalInput } from '../schedules/weekly.ts';
import { computeSlots, isWithinWorkingHours, mergeRanges, scheduleConflict, type TimeRange } from './slots.ts';

// Pure functions: no adapter is involved, so the services project would only repeat this file.
const describe = describeAll.skipIf(onServices);

/**
 * Hand-computed expectations on DST days. `now` is injected (the pure function
 * has no clock), so historical days (Pacific/Apia's last DST change, the day
 * it skipped) can be checked too. Each expectation was worked out from the tz
 * database rule for the day, noted beside it, not from the code's output.
 */
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const all = (start: string, end: string): WeeklyIntervalInput[] => DAYS.map((day) => ({ day, start, end }));
const LONG_AGO = Date.UTC(2000, 0, 1);

function slots(
  zone: string,
  from: string,
  to: string,
  weekly: WeeklyIntervalInput[],
  opts: { slot?: number; buffer?: number; timeOff?: TimeRange[]; appointments?: TimeRange[]; notBeforeMs?: number; notAfterMs?: number } = {},
) {
  return computeSlots({
    zone,
    weekly: parseWeekly(weekly, opts.slot ?? 60),
    slotMinutes: opts.slot ?? 60,
    bufferMinutes: opts.buffer ?? 0,
    from,
    to,
    timeOff: opts.timeOff ?? [],
    appointments: opts.appointments ?? [],
    notBeforeMs: opts.notBeforeMs ?? LONG_AGO,
    ...(opts.notAfterMs === undefined ? {} : { notAfterMs: opts.notAfterMs }),
  }).map((s) => [s.start, s.end]);
}

const ms = (iso: string) => Temporal.Instant.from(iso).epochMilliseconds;
const range = (start: string, end: string): TimeRange => ({ startMs: ms(start), endMs: ms(end) });

describe('America/New_York', () => {
  // 2027-03-14 02:00 EST (-05:00) jumps to 03:00 EDT (-04:00); 2027-11-07 02:00 EDT falls back to 01:00 EST.
  it('opens at 09:00 local on both sides of the spring change (23 h apart in UTC)', () => {
    expect(slots('America/New_York', '2027-03-13', '2027-03-15', all('09:00', '10:00'))).toEqual([
      ['2027-03-13T09:00:00-05:00', '2027-03-13T10:00:00-05:00'],
      ['2027-03-14T09:00:00-04:00', '2027-03-14T10:00:00-04:00'],
      ['2027-03-15T09:00:00-04:00', '2027-03-15T10:00:00-04:00'],
    ]);
  });

  it('offers no slot inside the skipped hour 02:00–03:00', () => {
    // 01:00 EST + 60 min of elapsed time is 03:00 EDT; the grid times 02:00 and 02:30 do not exist.
    expect(slots('America/New_York', '2027-03-14', '2027-03-14', all('00:00', '05:00'))).toEqual([
      ['2027-03-14T00:00:00-05:00', '2027-03-14T01:00:00-05:00'],
      ['2027-03-14T01:00:00-05:00', '2027-03-14T03:00:00-04:00'],
      ['2027-03-14T03:00:00-04:00', '2027-03-14T04:00:00-04:00'],
      ['2027-03-14T04:00:00-04:00', '2027-03-14T05:00:00-04:00'],
    ]);
  });

  it('opens an interval that starts in the skipped hour when the clocks jump (03:00 EDT)', () => {
    expect(slots('America/New_York', '2027-03-14', '2027-03-14', all('02:30', '04:30'), { slot: 30 })).toEqual([
      ['2027-03-14T03:00:00-04:00', '2027-03-14T03:30:00-04:00'],
      ['2027-03-14T03:30:00-04:00', '2027-03-14T04:00:00-04:00'],
      ['2027-03-14T04:00:00-04:00', '2027-03-14T04:30:00-04:00'],
    ]);
  });

  it('gives the repeated hour 01:00–02:00 once, with no duplicate or overlapping slot', () => {
    // Wall 01:00 and 01:30 are their first (EDT) occurrences; 01:30 EDT + 30 min = 01:00 EST; next grid time 02:00 EST.
    const result = slots('America/New_York', '2027-11-07', '2027-11-07', all('00:00', '03:00'), { slot: 30 });
    expect(result).toEqual([
      ['2027-11-07T00:00:00-04:00', '2027-11-07T00:30:00-04:00'],
      ['2027-11-07T00:30:00-04:00', '2027-11-07T01:00:00-04:00'],
      ['2027-11-07T01:00:00-04:00', '2027-11-07T01:30:00-04:00'],
      ['2027-11-07T01:30:00-04:00', '2027-11-07T01:00:00-05:00'],
      ['2027-11-07T02:00:00-05:00', '2027-11-07T02:30:00-05:00'],
      ['2027-11-07T02:30:00-05:00', '2027-11-07T03:00:00-05:00'],
    ]);
    const starts = result.map(([s]) => ms(s!));
    expect(new Set(starts).size).toBe(starts.length);
  });

  it('opens at 09:00 local after the autumn change too', () => {
    expect(slots('America/New_York', '2027-11-06', '2027-11-07', all('09:00', '10:00'))).toEqual([
      ['2027-11-06T09:00:00-04:00', '2027-11-06T10:00:00-04:00'],
      ['2027-11-07T09:00:00-05:00', '2027-11-07T10:00:00-05:00'],
    ]);
  });
});

describe('Europe/London', () => {
  // 2027-03-28 01:00 GMT jumps to 02:00 BST; 2027-10-31 02:00 BST falls back to 01:00 GMT.
  it('skips 01:00–02:00 on 28 March', () => {
    expect(slots('Europe/London', '2027-03-28', '2027-03-28', all('00:00', '03:00'), { slot: 30 })).toEqual([
      ['2027-03-28T00:00:00+00:00', '2027-03-28T00:30:00+00:00'],
      ['2027-03-28T00:30:00+00:00', '2027-03-28T02:00:00+01:00'],
      ['2027-03-28T02:00:00+01:00', '2027-03-28T02:30:00+01:00'],
      ['2027-03-28T02:30:00+01:00', '2027-03-28T03:00:00+01:00'],
    ]);
  });

  it('gives 01:00–02:00 once on 31 October', () => {
    expect(slots('Europe/London', '2027-10-31', '2027-10-31', all('00:30', '02:30'), { slot: 30 })).toEqual([
      ['2027-10-31T00:30:00+01:00', '2027-10-31T01:00:00+01:00'],
      ['2027-10-31T01:00:00+01:00', '2027-10-31T01:30:00+01:00'],
      ['2027-10-31T01:30:00+01:00', '2027-10-31T01:00:00+00:00'],
      ['2027-10-31T02:00:00+00:00', '2027-10-31T02:30:00+00:00'],
    ]);
  });

  it('keeps a 09:00 opening at 09:00 across both changes', () => {
    expect(slots('Europe/London', '2027-03-27', '2027-03-28', all('09:00', '09:30'), { slot: 30 })).toEqual([
      ['2027-03-27T09:00:00+00:00', '2027-03-27T09:30:00+00:00'],
      ['2027-03-28T09:00:00+01:00', '2027-03-28T09:30:00+01:00'],
    ]);
  });
});

describe('Australia/Lord_Howe (a 30-minute shift)', () => {
  // 2027-10-03 02:00 +10:30 jumps to 02:30 +11:00; 2027-04-04 02:00 +11:00 falls back to 01:30 +10:30.
  it('skips 02:00–02:30 on 3 October', () => {
    expect(slots('Australia/Lord_Howe', '2027-10-03', '2027-10-03', all('01:00', '04:00'), { slot: 30 })).toEqual([
      ['2027-10-03T01:00:00+10:30', '2027-10-03T01:30:00+10:30'],
      ['2027-10-03T01:30:00+10:30', '2027-10-03T02:30:00+11:00'],
      ['2027-10-03T02:30:00+11:00', '2027-10-03T03:00:00+11:00'],
      ['2027-10-03T03:00:00+11:00', '2027-10-03T03:30:00+11:00'],
      ['2027-10-03T03:30:00+11:00', '2027-10-03T04:00:00+11:00'],
    ]);
  });

  it('gives the repeated 01:30–02:00 once on 4 April', () => {
    expect(slots('Australia/Lord_Howe', '2027-04-04', '2027-04-04', all('01:00', '03:00'), { slot: 30 })).toEqual([
      ['2027-04-04T01:00:00+11:00', '2027-04-04T01:30:00+11:00'],
      ['2027-04-04T01:30:00+11:00', '2027-04-04T01:30:00+10:30'],
      ['2027-04-04T02:00:00+10:30', '2027-04-04T02:30:00+10:30'],
      ['2027-04-04T02:30:00+10:30', '2027-04-04T03:00:00+10:30'],
    ]);
  });

  it('opens at 09:00 local on both sides', () => {
    expect(slots('Australia/Lord_Howe', '2027-10-02', '2027-10-03', all('09:00', '09:30'), { slot: 30 })).toEqual([
      ['2027-10-02T09:00:00+10:30', '2027-10-02T09:30:00+10:30'],
      ['2027-10-03T09:00:00+11:00', '2027-10-03T09:30:00+11:00'],
    ]);
  });
});

describe('America/Santiago (changes at midnight)', () => {
  // 2027-09-05 00:00 -04:00 jumps to 01:00 -03:00 (the day starts at 01:00);
  // 2027-04-04 00:00 -03:00 falls back to 2027-04-03 23:00 -04:00 (23:00–24:00 on 3 April happens twice).
  it('has no 00:00–01:00 on 5 September', () => {
    expect(slots('America/Santiago', '2027-09-05', '2027-09-05', all('00:00', '03:00'))).toEqual([
      ['2027-09-05T01:00:00-03:00', '2027-09-05T02:00:00-03:00'],
      ['2027-09-05T02:00:00-03:00', '2027-09-05T03:00:00-03:00'],
    ]);
  });

  it('closes a 24:00 interval at the next day\'s first instant (01:00 -03:00)', () => {
    expect(slots('America/Santiago', '2027-09-04', '2027-09-04', all('22:00', '24:00'))).toEqual([
      ['2027-09-04T22:00:00-04:00', '2027-09-04T23:00:00-04:00'],
      ['2027-09-04T23:00:00-04:00', '2027-09-05T01:00:00-03:00'],
    ]);
  });

  it('gives the repeated 23:00–24:00 of 3 April once', () => {
    expect(slots('America/Santiago', '2027-04-03', '2027-04-03', all('22:00', '24:00'), { slot: 30 })).toEqual([
      ['2027-04-03T22:00:00-03:00', '2027-04-03T22:30:00-03:00'],
      ['2027-04-03T22:30:00-03:00', '2027-04-03T23:00:00-03:00'],
      ['2027-04-03T23:00:00-03:00', '2027-04-03T23:30:00-03:00'],
      ['2027-04-03T23:30:00-03:00', '2027-04-03T23:00:00-04:00'],
    ]);
  });

  it('opens at 09:00 local on both sides of each change', () => {
    expect(slots('America/Santiago', '2027-04-03', '2027-04-04', all('09:00', '10:00'))).toEqual([
      ['2027-04-03T09:00:00-03:00', '2027-04-03T10:00:00-03:00'],
      ['2027-04-04T09:00:00-04:00', '2027-04-04T10:00:00-04:00'],
    ]);
  });
});

describe('Pacific/Apia (no DST since 2021)', () => {
  it('the tz database has no transition for Apia after April 2021', () => {
    const after = Temporal.ZonedDateTime.from('2021-05-01T00:00:00[Pacific/Apia]').getTimeZoneTransition('next');
    expect(after).toBeNull();
    expect(Temporal.ZonedDateTime.from('2027-01-15T12:00:00[Pacific/Apia]').offset).toBe('+13:00');
    expect(Temporal.ZonedDateTime.from('2027-07-15T12:00:00[Pacific/Apia]').offset).toBe('+13:00');
  });

  it('treats the last Sunday of September 2027 (a former DST start) as an ordinary day at +13:00', () => {
    expect(slots('Pacific/Apia', '2027-09-26', '2027-09-26', all('02:00', '05:00'))).toEqual([
      ['2027-09-26T02:00:00+13:00', '2027-09-26T03:00:00+13:00'],
      ['2027-09-26T03:00:00+13:00', '2027-09-26T04:00:00+13:00'],
      ['2027-09-26T04:00:00+13:00', '2027-09-26T05:00:00+13:00'],
    ]);
  });

  it('skipped 03:00–04:00 on 2020-09-27, its last DST start (now injected in the past)', () => {
    expect(slots('Pacific/Apia', '2020-09-27', '2020-09-27', all('02:00', '05:00'))).toEqual([
      ['2020-09-27T02:00:00+13:00', '2020-09-27T04:00:00+14:00'],
      ['2020-09-27T04:00:00+14:00', '2020-09-27T05:00:00+14:00'],
    ]);
  });

  it('has no slots on 2011-12-30, the date Samoa skipped when it crossed the date line', () => {
    expect(slots('Pacific/Apia', '2011-12-29', '2011-12-31', all('09:00', '10:00'), { notBeforeMs: Date.UTC(2011, 0, 1) })).toEqual([
      ['2011-12-29T09:00:00-10:00', '2011-12-29T10:00:00-10:00'],
      ['2011-12-31T09:00:00+14:00', '2011-12-31T10:00:00+14:00'],
    ]);
  });
});

describe('Asia/Kolkata (no DST, +05:30)', () => {
  it('is the same every day of the year', () => {
    expect(slots('Asia/Kolkata', '2027-03-14', '2027-03-14', all('09:00', '10:00'), { slot: 30 })).toEqual([
      ['2027-03-14T09:00:00+05:30', '2027-03-14T09:30:00+05:30'],
      ['2027-03-14T09:30:00+05:30', '2027-03-14T10:00:00+05:30'],
    ]);
    expect(slots('Asia/Kolkata', '2027-11-07', '2027-11-07', all('09:00', '09:30'), { slot: 30 })).toEqual([
      ['2027-11-07T09:00:00+05:30', '2027-11-07T09:30:00+05:30'],
    ]);
  });
});

describe('busy time, buffers, breaks and the clock', () => {
  const zone = 'Asia/Kolkata';
  const day = '2027-06-07'; // a Monday
  const monday = (start: string, end: string): WeeklyIntervalInput[] => [{ day: 'monday', start, end }];

  it('spaces slots by slotMinutes + bufferMinutes from the opening', () => {
    expect(slots(zone, day, day, monday('09:00', '11:00'), { slot: 30, buffer: 10 }).map(([s]) => s!.slice(11, 16))).toEqual([
      '09:00',
      '09:40',
      '10:20',
    ]);
  });

  it('keeps the buffer clear on both sides of an appointment', () => {
    const booked = range('2027-06-07T10:00:00+05:30', '2027-06-07T10:30:00+05:30');
    // Busy 09:50–10:40 with a 10-minute buffer: the grid times 09:40 and 10:20 collide, 09:00 and 11:00 stay free.
    const result = slots(zone, day, day, monday('09:00', '12:00'), { slot: 30, buffer: 10, appointments: [booked] });
    expect(result.map(([s]) => s!.slice(11, 16))).toEqual(['09:00', '11:00']);
    const noBuffer = slots(zone, day, day, monday('09:00', '12:00'), { slot: 30, appointments: [booked] });
    expect(noBuffer.map(([s]) => s!.slice(11, 16))).toEqual(['09:00', '09:30', '10:30', '11:00', '11:30']);
  });

  it('merges overlapping time off', () => {
    const timeOff = [range('2027-06-07T09:15:00+05:30', '2027-06-07T10:10:00+05:30'), range('2027-06-07T10:00:00+05:30', '2027-06-07T10:45:00+05:30')];
    expect(mergeRanges(timeOff)).toEqual([range('2027-06-07T09:15:00+05:30', '2027-06-07T10:45:00+05:30')]);
    expect(slots(zone, day, day, monday('09:00', '12:00'), { slot: 30, timeOff }).map(([s]) => s!.slice(11, 16))).toEqual([
      '11:00',
      '11:30',
    ]);
  });

  it('supports several intervals a day (a lunch break) and touching intervals', () => {
    const weekly: WeeklyIntervalInput[] = [
      { day: 'monday', start: '14:00', end: '15:00' },
      { day: 'monday', start: '09:00', end: '10:00' },
      { day: 'monday', start: '10:00', end: '10:30' },
    ];
    expect(slots(zone, day, day, weekly, { slot: 30 }).map(([s]) => s!.slice(11, 16))).toEqual(['09:00', '09:30', '10:00', '14:00', '14:30']);
  });

  it('drops a slot that would run past the close', () => {
    expect(slots(zone, day, day, monday('09:00', '10:15'), { slot: 30 }).map(([s]) => s!.slice(11, 16))).toEqual(['09:00', '09:30']);
  });

  it('drops slots before now + notice and after the horizon', () => {
    const all9to12 = monday('09:00', '12:00');
    const notBeforeMs = ms('2027-06-07T09:45:00+05:30');
    expect(slots(zone, day, day, all9to12, { slot: 30, notBeforeMs }).map(([s]) => s!.slice(11, 16))).toEqual(['10:00', '10:30', '11:00', '11:30']);
    const notAfterMs = ms('2027-06-07T10:30:00+05:30');
    expect(slots(zone, day, day, all9to12, { slot: 30, notAfterMs }).map(([s]) => s!.slice(11, 16))).toEqual(['09:00', '09:30', '10:00', '10:30']);
  });

  it('returns nothing for a day without hours', () => {
    expect(slots(zone, '2027-06-08', '2027-06-08', monday('09:00', '12:00'))).toEqual([]);
  });
});

describe('isWithinWorkingHours (OUTSIDE_SCHEDULE for bookings)', () => {
  const weekly = parseWeekly([
    { day: 'monday', start: '09:00', end: '12:00' },
    { day: 'monday', start: '22:00', end: '24:00' },
    { day: 'tuesday', start: '00:00', end: '02:00' },
  ], 30);
  const zone = 'Europe/London';

  it('accepts a booking inside an interval and refuses one that spills over', () => {
    expect(isWithinWorkingHours(weekly, [], zone, new Date('2027-06-07T09:00:00+01:00'), new Date('2027-06-07T09:30:00+01:00'))).toBe(true);
    expect(isWithinWorkingHours(weekly, [], zone, new Date('2027-06-07T11:45:00+01:00'), new Date('2027-06-07T12:15:00+01:00'))).toBe(false);
    expect(scheduleConflict(weekly, [], zone, new Date('2027-06-07T08:00:00+01:00'), new Date('2027-06-07T08:30:00+01:00'))).toBe('outside_hours');
  });

  it('joins 22:00–24:00 with 00:00–02:00 the next day (a night shift written as two intervals)', () => {
    expect(isWithinWorkingHours(weekly, [], zone, new Date('2027-06-07T23:30:00+01:00'), new Date('2027-06-08T00:30:00+01:00'))).toBe(true);
  });

  it('refuses a booking that overlaps time off', () => {
    const timeOff = [range('2027-06-07T10:00:00+01:00', '2027-06-07T10:15:00+01:00')];
    expect(scheduleConflict(weekly, timeOff, zone, new Date('2027-06-07T09:45:00+01:00'), new Date('2027-06-07T10:15:00+01:00'))).toBe('time_off');
    expect(isWithinWorkingHours(weekly, timeOff, zone, new Date('2027-06-07T10:15:00+01:00'), new Date('2027-06-07T10:45:00+01:00'))).toBe(true);
  });

  it('follows wall-clock hours across DST: 09:00 London in winter is 09:00Z, in summer 08:00Z', () => {
    expect(isWithinWorkingHours(weekly, [], zone, new Date('2027-01-04T09:00:00Z'), new Date('2027-01-04T09:30:00Z'))).toBe(true);
    expect(isWithinWorkingHours(weekly, [], zone, new Date('2027-06-07T08:00:00Z'), new Date('2027-06-07T08:30:00Z'))).toBe(true);
    expect(isWithinWorkingHours(weekly, [], zone, new Date('2027-01-04T08:00:00Z'), new Date('2027-01-04T08:30:00Z'))).toBe(false);
  });

  it('accepts every slot that computeSlots offers, including ones across a change', () => {
    const nightly = parseWeekly(all('00:00', '05:00'), 45);
    const offered = computeSlots({
      zone: 'America/New_York',
      weekly: nightly,
      slotMinutes: 45,
      bufferMinutes: 0,
      from: '2027-03-14',
      to: '2027-03-14',
      timeOff: [],
      appointments: [],
      notBeforeMs: LONG_AGO,
    });
    expect(offered.length).toBeGreaterThan(0);
    for (const s of offered) expect(isWithinWorkingHours(nightly, [], 'America/New_York', s.startMs, s.endMs)).toBe(true);
  });

  it('refuses an empty or inverted range', () => {
    const t = new Date('2027-06-07T09:00:00+01:00');
    expect(isWithinWorkingHours(weekly, [], zone, t, t)).toBe(false);
  });
});
