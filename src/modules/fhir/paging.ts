import type { Resource } from '@medplum/fhirtypes';
import { decodeCursor, type CursorPosition } from '../../shared/cursor.ts';
import { toSearchset } from './mapping/bundle.ts';

/** What every FHIR search takes besides its own parameters. */
export interface PageParams {
  _count?: number;
  _cursor?: string;
  _format?: string;
}

export interface Paging {
  /** `${PUBLIC_BASE_URL}/fhir/R4` */
  fhirBase: string;
  pageSize: number;
  maxPageSize: number;
}

/** The page size asked for, lowered to the maximum (FHIR lets a server return fewer than `_count`). */
export const pageSizeOf = (paging: Paging, query: PageParams) => Math.min(query._count ?? paging.pageSize, paging.maxPageSize);

/** Where the next page starts (our opaque `_cursor`, a keyset position), or null on the first page. */
export const cursorOf = (query: PageParams): CursorPosition | null => decodeCursor(query._cursor);

/** The search's own URL, parameters in the order given, with `_cursor` and `_count` replaced when continuing. */
function searchUrl(paging: Paging, type: string, query: object, replace: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || name in replace) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, String(v));
  }
  for (const [name, value] of Object.entries(replace)) params.set(name, value);
  const qs = params.toString();
  return `${paging.fhirBase}/${type}${qs ? `?${qs}` : ''}`;
}

/** A searchset Bundle with its `self` link and, when more follow, a `next` link carrying the cursor. */
export function searchset<R extends Resource>(
  paging: Paging,
  type: string,
  query: PageParams & object,
  page: { resources: R[]; nextCursor: string | null; total?: number },
) {
  const count = String(pageSizeOf(paging, query));
  return toSearchset(paging.fhirBase, {
    resources: page.resources,
    ...(page.total !== undefined ? { total: page.total } : {}),
    self: searchUrl(paging, type, query),
    next: page.nextCursor ? searchUrl(paging, type, query, { _count: count, _cursor: page.nextCursor }) : null,
  });
}
