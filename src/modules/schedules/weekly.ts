import { validation } from '../../shared/errors.ts';

/** Day names on the wire, in ISO order: index + 1 is the ISO weekday (Monday = 1). */
export const DAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type DayName = (typeof DAY_NAMES)[number];

/** Minutes in a day; as an end it means "24:00", the start of the next local day. */
export const END_OF_DAY = 1440;

/**
 * One working interval of a weekly schedule in local wall-clock minutes:
 * `startMinute` 0..1439, `endMinute` startMinute+1..1440.
 */
export interface WeeklyInterval {
  weekday: number;
  startMinute: number;
  endMinute: number;
}

export interface WeeklyIntervalInput {
  day: DayName;
  start: string;
  end: string;
}

export function parseClock(value: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(value);
  if (!match) return Number.NaN;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return Number(match[2]) < 60 && minutes <= END_OF_DAY ? minutes : Number.NaN;
}

export function formatClock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * Turns the wire form into intervals, sorted by day and start. Refuses (400,
 * naming the field) an end not after its start — which is also how a shift
 * across local midnight is refused: it is written as two intervals,
 * `22:00–24:00` on one day and `00:00–06:00` on the next — intervals of
 * one day that overlap (touching ends are fine), and an interval shorter
 * than one slot of `slotMinutes`, which could never offer a slot.
 */
export function parseWeekly(input: WeeklyIntervalInput[], slotMinutes: number): WeeklyInterval[] {
  const parsed = input.map((item, index) => {
    const weekday = DAY_NAMES.indexOf(item.day) + 1;
    const startMinute = parseClock(item.start);
    const endMinute = parseClock(item.end);
    if (weekday < 1) throw fieldError(`weekly.${index}.day`, `must be one of ${DAY_NAMES.join(', ')}`);
    if (Number.isNaN(startMinute) || startMinute >= END_OF_DAY) {
      throw fieldError(`weekly.${index}.start`, 'must be a local time HH:MM from 00:00 to 23:59');
    }
    if (Number.isNaN(endMinute)) throw fieldError(`weekly.${index}.end`, 'must be a local time HH:MM from 00:01 to 24:00');
    if (endMinute <= startMinute) {
      throw fieldError(
        `weekly.${index}.end`,
        endMinute === 0 || endMinute < startMinute
          ? `must be after start (${item.start}); an interval may not cross local midnight: split it into ${item.start}–24:00 on ${item.day} and 00:00–${item.end} on the next day`
          : `must be after start (${item.start})`,
      );
    }
    if (endMinute - startMinute < slotMinutes) {
      throw fieldError(
        `weekly.${index}`,
        `(${item.day} ${item.start}–${item.end}) is ${endMinute - startMinute} minutes long, shorter than one ${slotMinutes}-minute slot: it could never offer a slot`,
      );
    }
    return { index, interval: { weekday, startMinute, endMinute } };
  });
  parsed.sort((a, b) => a.interval.weekday - b.interval.weekday || a.interval.startMinute - b.interval.startMinute);
  for (let i = 1; i < parsed.length; i++) {
    const prev = parsed[i - 1]!;
    const cur = parsed[i]!;
    if (prev.interval.weekday === cur.interval.weekday && cur.interval.startMinute < prev.interval.endMinute) {
      const day = DAY_NAMES[cur.interval.weekday - 1];
      throw fieldError(
        `weekly.${Math.max(prev.index, cur.index)}`,
        `overlaps weekly.${Math.min(prev.index, cur.index)} on ${day} (${formatClock(prev.interval.startMinute)}–${formatClock(prev.interval.endMinute)} and ${formatClock(cur.interval.startMinute)}–${formatClock(cur.interval.endMinute)})`,
      );
    }
  }
  return parsed.map((p) => p.interval);
}

export function weeklyView(intervals: WeeklyInterval[]): WeeklyIntervalInput[] {
  return [...intervals]
    .sort((a, b) => a.weekday - b.weekday || a.startMinute - b.startMinute)
    .map((i) => ({ day: DAY_NAMES[i.weekday - 1]!, start: formatClock(i.startMinute), end: formatClock(i.endMinute) }));
}

function fieldError(field: string, message: string) {
  return validation(`Invalid body: ${field} ${message}`, { fields: [{ field, in: 'body', message }] });
}
