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
