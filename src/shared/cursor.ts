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
  throw validation('The cursor is not valid; use page.nextCursor from a previous response', { field: 'cursor' });
}

/** Given limit+1 rows, returns the page and the cursor to the next one. */
export function pageOf<T extends { id: string }>(rows: T[], limit: number, keyOf: (row: T) => string) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor = rows.length > limit && last ? encodeCursor({ key: keyOf(last), id: last.id }) : null;
  return { items, nextCursor };
}
