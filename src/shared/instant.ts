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
    const ms = Temporal.Instant.from(value).epochMilliseconds;
    if (ms >= Date.UTC(1970, 0, 1) && ms < Date.UTC(10000, 0, 1)) return new Date(ms);
  } catch {
    // the clear error below
  }
  throw validation(`Invalid ${where}: ${field} ${INSTANT_RULE}`, { fields: [{ field, in: where, message: INSTANT_RULE }] });
}

/** `{start, end}` from a body as instants, end after start (time off, closures). */
export function parseInstantRange(input: { start: string; end: string }): { startsAt: Date; endsAt: Date } {
  const startsAt = parseInstant(input.start, 'start');
  const endsAt = parseInstant(input.end, 'end');
  if (endsAt <= startsAt) {
    throw validation('Invalid body: end must be after start', { fields: [{ field: 'end', in: 'body', message: 'must be after start' }] });
  }
  return { startsAt, endsAt };
}
