/** PostgreSQL error fields that pg and PGlite both expose. */
export interface PgError {
  code?: string;
  constraint?: string;
}

export const PG_UNIQUE_VIOLATION = '23505';
export const PG_EXCLUSION_VIOLATION = '23P01';
export const PG_FOREIGN_KEY_VIOLATION = '23503';

/** Walks `cause` chains: drizzle wraps driver errors. */
export function pgError(err: unknown): PgError | undefined {
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    const candidate = current as PgError & { cause?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate;
    current = candidate.cause;
  }
  return undefined;
}

export function isConstraintViolation(err: unknown, code: string, constraint?: string): boolean {
  const pgErr = pgError(err);
  return !!pgErr && pgErr.code === code && (constraint === undefined || pgErr.constraint === constraint);
}

/**
 * SQLSTATEs that mean "the database is not there right now", not "your
 * request is wrong": connection exceptions (class 08), the server shutting
 * down or starting up (57P01-57P03), too many connections (53300).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
/** Socket errors of a connection to PostgreSQL (or any other service) that went away. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** What node-postgres throws without a code: a pool connect timeout, a client whose connection died. */
const PG_CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|is not queryable|Connection ended/i;

/**
 * True when the error means the database (or the network to it) is
 * unavailable: the API answers 503 SERVICE_UNAVAILABLE with Retry-After, not
 * 500, so clients and load balancers retry instead of reporting a bug.
 * Walks `cause` chains (drizzle wraps driver errors).
 */
export function isUnavailableError(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof candidate.code === 'string' && (UNAVAILABLE_SQLSTATE.test(candidate.code) || NETWORK_CODES.has(candidate.code))) return true;
    if (typeof candidate.message === 'string' && PG_CONNECTION_MESSAGES.test(candidate.message)) return true;
    current = candidate.cause;
  }
  return false;
}
