import { eq, sql, type Column, type SQL, type SQLWrapper } from 'drizzle-orm';

/** SQL pieces every repository writes the same way (drizzle queries and raw SQL alike). */

/** An instant as a timestamptz parameter. */
export const instant = (at: Date): SQL => sql`${at.toISOString()}::timestamptz`;

/** `column = value`, or nothing when the filter is not given (for optional list filters). */
export const eqIf = <T>(column: Column, value: T | undefined): SQL | undefined => (value === undefined ? undefined : eq(column, value));

/**
 * A timestamp as the text of a keyset cursor, to the microsecond: a
 * JavaScript Date would cut the microseconds and skip or repeat rows written
 * within the same millisecond.
 */
export const microsecondKey = (column: SQLWrapper): SQL<string> =>
  sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Keyset pagination: the rows after `cursor` in a list ordered by
 * (sortColumn, idColumn) `order`; undefined (no condition) on the first page.
 * `keyType` is the sort column's type (an instant or a text such as a name).
 */
export function afterCursor(
  cursor: { key: string; id: string } | null,
  [sortColumn, idColumn]: [SQLWrapper, SQLWrapper],
  order: 'asc' | 'desc',
  keyType: 'timestamptz' | 'text' = 'timestamptz',
): SQL | undefined {
  if (!cursor) return undefined;
  const key = keyType === 'timestamptz' ? sql`${cursor.key}::timestamptz` : sql`${cursor.key}`;
  return order === 'asc'
    ? sql`(${sortColumn}, ${idColumn}) > (${key}, ${cursor.id}::uuid)`
    : sql`(${sortColumn}, ${idColumn}) < (${key}, ${cursor.id}::uuid)`;
}

/** `%`, `_` and `\\` taken literally inside an ILIKE pattern. */
export const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);
