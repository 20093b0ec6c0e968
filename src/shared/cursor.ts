import { validation } from './errors.ts';

/**
 * Opaque keyset cursors over (sort key, id): stable under inserts, no OFFSET
 * scans. The sort key is an ISO instant or any string the list orders by.
 */
export interface CursorPosition {
  key: string;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.key, position.id])).toString('base64url');
}

const invalidCursor = () => validation('The cursor is not valid; use page.nextCursor from a previous response', { field: 'cursor' });

export function decodeCursor(cursor: string | undefined): CursorPosition | null {
  if (!cursor) return null;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      if (/^[0-9a-f-]{36}$/i.test(parsed[1])) return { key: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the clear error below
  }
  throw invalidCursor();
}

/** A cursor of a list ordered by an instant: its key must be one (a forged key is a 400, not a database error). */
export function decodeTimeCursor(cursor: string | undefined): CursorPosition | null {
  const position = decodeCursor(cursor);
  if (position && Number.isNaN(Date.parse(position.key))) throw invalidCursor();
  return position;
}

/** A cursor of a list ordered by a whole number (versions): its key as that number, 0 when there is no cursor. */
export function decodeNumberCursor(cursor: string | undefined): number {
  const position = decodeCursor(cursor);
  if (!position) return 0;
  const n = Number(position.key);
  if (!Number.isInteger(n) || n < 0) throw invalidCursor();
  return n;
}

/** Given limit+1 rows, returns the page and the cursor to the next one. */
export function pageOf<T extends { id: string }>(rows: T[], limit: number, keyOf: (row: T) => string) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor = rows.length > limit && last ? encodeCursor({ key: keyOf(last), id: last.id }) : null;
  return { items, nextCursor };
}
