import { validation } from '../../shared/errors.ts';
import { INSTANT_RULE } from '../../shared/instant.ts';
import { referenceId } from './mapping/references.ts';

/**
 * The FHIR search parameters Tempus understands, parsed from the query
 * string. Repeated parameters arrive as arrays (the query schema makes every
 * one an array); a comma inside one value is FHIR's OR.
 */

const bad = (param: string, message: string) =>
  validation(`Invalid search parameter ${param}: ${message}`, { fields: [{ field: param, in: 'querystring', message }] });

/** Comma-separated alternatives of every occurrence, blanks dropped. */
export function alternatives(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** Every alternative as the uuid of a `type` reference (a bare id is accepted too); another kind of reference → 400. */
export function references(param: string, values: string[] | undefined, type: string): string[] | undefined {
  const list = alternatives(values);
  if (!list) return undefined;
  return list.map((value) => {
    const id = referenceId(value, type);
    if (!id) throw bad(param, `must be a ${type} reference (${type}/<id>) with a Tempus id`);
    return id;
  });
}

/** Tokens from a closed set (`status=free,busy`). */
export function tokens<T extends string>(param: string, values: string[] | undefined, allowed: readonly T[]): T[] | undefined {
  const list = alternatives(values);
  if (!list) return undefined;
  for (const value of list) if (!allowed.includes(value as T)) throw bad(param, `must be one of ${allowed.join(', ')}`);
  return list as T[];
}

/** `true` / `false` (one value). */
export function booleanToken(param: string, values: string[] | undefined): boolean | undefined {
  const [value, ...more] = alternatives(values) ?? [];
  if (value === undefined) return undefined;
  if (more.length || (value !== 'true' && value !== 'false')) throw bad(param, 'must be true or false');
  return value === 'true';
}

export interface InstantWindow {
  /** Inclusive lower bound (epoch ms). */
  from?: number;
  /** Exclusive upper bound (epoch ms). */
  to?: number;
}

const PREFIXES = ['eq', 'ge', 'gt', 'le', 'lt'] as const;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The span a date or dateTime value stands for: a UTC day, or the second (or finer) it names. */
function spanOf(param: string, value: string): [number, number] {
  if (DATE.test(value)) {
    const start = Date.parse(`${value}T00:00:00Z`);
    if (Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== value) throw bad(param, 'is not a real date');
    return [start, start + 86_400_000];
  }
  if (DATE_TIME.test(value)) {
    const start = Date.parse(value);
    if (Number.isNaN(start)) throw bad(param, INSTANT_RULE);
    const precise = /\.\d/.test(value);
    return [start, start + (precise ? 1 : value.split(':').length === 3 ? 1000 : 60_000)];
  }
  throw bad(param, `must be a date (YYYY-MM-DD, a UTC day) or an instant with offset, after an optional prefix ${PREFIXES.join('/')}; ${INSTANT_RULE}`);
}

/**
 * FHIR date search (`ge2030-01-01`, `lt2030-01-08T00:00:00Z`, ...): every
 * occurrence narrows the window (AND); comma alternatives are refused
 * rather than guessed at, as a window has no OR.
 */
export function dateWindow(param: string, values: string[] | undefined): InstantWindow {
  const window: InstantWindow = {};
  for (const raw of values ?? []) {
    if (raw.includes(',')) throw bad(param, 'takes one value per occurrence; repeat the parameter to combine bounds');
    const prefix = PREFIXES.find((p) => raw.startsWith(p));
    const [lo, hi] = spanOf(param, prefix ? raw.slice(2) : raw);
    const narrow = (from?: number, to?: number) => {
      if (from !== undefined) window.from = Math.max(window.from ?? -Infinity, from);
      if (to !== undefined) window.to = Math.min(window.to ?? Infinity, to);
    };
    if (!prefix || prefix === 'eq') narrow(lo, hi);
    else if (prefix === 'ge') narrow(lo);
    else if (prefix === 'gt') narrow(hi);
    else if (prefix === 'lt') narrow(undefined, lo);
    else narrow(undefined, hi);
  }
  return window;
}
