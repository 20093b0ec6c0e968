import type { Bundle, Resource } from '@medplum/fhirtypes';

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
