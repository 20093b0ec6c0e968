import type { Bundle, BundleLink, Resource } from '@medplum/fhirtypes';

export interface SearchPage<R extends Resource> {
  resources: R[];
  /** The whole result's size when it was cheap to know. */
  total?: number;
  /** Absolute URLs of this page and the next one (null on the last page). */
  self: string;
  next: string | null;
}

/** A FHIR searchset Bundle of one page; each entry's fullUrl is the resource's address on `baseUrl`. */
export function toSearchset<R extends Resource>(baseUrl: string, page: SearchPage<R>): Bundle<R> {
  const link: BundleLink[] = [{ relation: 'self', url: page.self }, ...(page.next ? [{ relation: 'next', url: page.next }] : [])];
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(page.total !== undefined ? { total: page.total } : {}),
    link,
    entry: page.resources.map((resource) => ({
      fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: 'match' as const },
    })),
  };
}

/** A `collection` Bundle: resources gathered for a reader (a patient's export), no transaction or search semantics. */
export function toCollection(resources: Resource[], options: { timestamp: Date; tag?: { system: string; code: string; display?: string } }): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: options.timestamp.toISOString(),
    ...(options.tag ? { meta: { tag: [{ ...options.tag }] } } : {}),
    entry: resources.map((resource) => ({ resource })),
  };
}

