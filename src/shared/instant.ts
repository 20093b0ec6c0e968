import { Temporal } from 'temporal-polyfill';
import { validation } from './errors.ts';

/**
 * What an instant on the wire must look like, in the words every answer uses:
 * the schema mapper (a `format: date-time` failure) and the services' parser
 * below say the same sentence.
 */
export const INSTANT_RULE = 'must be an ISO 8601 instant with an offset, e.g. 2027-03-15T09:00:00+01:00';

/**
 * Parses an ISO 8601 instant with an offset (Z, ±hh:mm, ±hhmm, ±hh). The
 * schemas have checked the shape; Temporal checks the calendar and refuses a
 * string without an offset, which a local wall-clock time would need a zone
 * to mean. Years 1970–9999 only: nothing the hospital books lies outside.
 */
export function parseInstant(value: string, field: string, where: 'body' | 'querystring' = 'body'): Date {
  try {
    const ms = commonInstantMs(value) ?? Temporal.Instant.from(value).epochMilliseconds;
    if (ms >= Date.UTC(1970, 0, 1) && ms < Date.UTC(10000, 0, 1)) return new Date(ms);
  } catch {
    // the clear error below
  }
  throw validation(`Invalid ${where}: ${field} ${INSTANT_RULE}`, { fields: [{ field, in: where, message: INSTANT_RULE }] });
}

// The shape nearly every client sends: 2027-03-15T09:00[:00[.000]] with Z or ±hh:mm.
const COMMON = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/**
 * The instant of a string of the common shape whose every field is in range
 * (a real calendar day, 00:00–23:59:59, an offset under 24 h), as Temporal
 * reads it, without Temporal's general parser (a booking's largest share of
 * Temporal time); null for anything else, which Temporal then judges (a
 * leap second, lower-case or space separators, other offset forms, errors).
 * instant.test.ts compares the two over random strings of the shape.
 */
export function commonInstantMs(value: string): number | null {
  const m = COMMON.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  const offsetMinutes = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (m[10] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return null;
  // Milliseconds: the first three digits of the fraction (Temporal keeps nanoseconds; epochMilliseconds floors them).
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime() - offsetMinutes * 60_000;
}

const daysIn = (year: number, month: number) => (month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31);

/** `{start, end}` from a body as instants, end after start (time off, closures). */
export function parseInstantRange(input: { start: string; end: string }): { startsAt: Date; endsAt: Date } {
  const startsAt = parseInstant(input.start, 'start');
  const endsAt = parseInstant(input.end, 'end');
  if (endsAt <= startsAt) {
    throw validation('Invalid body: end must be after start', { fields: [{ field: 'end', in: 'body', message: 'must be after start' }] });
  }
  return { startsAt, endsAt };
}
