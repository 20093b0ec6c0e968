import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import type { SearchParamDefinition } from '../search-definitions.ts';

export interface CapabilityFacts {
  baseUrl: string;
  version: string;
  /** When this server's build was made or started (CapabilityStatement.date). */
  date: Date;
  types: Record<string, { documentation: string; params: readonly SearchParamDefinition[] }>;
}

const common = [
  { name: '_count', type: 'number' as const, documentation: 'Entries per page (default FHIR_PAGE_SIZE, lowered to FHIR_MAX_PAGE_SIZE)' },
  { name: '_cursor', type: 'string' as const, documentation: 'Opaque position of the next page: follow the Bundle\'s next link rather than building it' },
];

/** What the server does, from the one table the routes are built from: read and search-type of each type, and their parameters. */
export function toCapabilityStatement(facts: CapabilityFacts): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: facts.date.toISOString(),
    publisher: 'Tempus',
    kind: 'instance',
    software: { name: 'Tempus', version: facts.version },
    implementation: { description: 'Tempus FHIR R4 read API (one hospital per bearer token)', url: facts.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation: 'Read and search only. The hospital is the bearer token\'s; another hospital\'s ids are not found.',
        security: {
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth' }] }],
          description: 'Authorization: Bearer <Supabase access token>, the same as the /v1 API and its role permissions',
        },
        resource: Object.entries(facts.types).map(([type, { documentation, params }]) => ({
          type: type as CapabilityStatementRestResource['type'],
          documentation,
          interaction: [{ code: 'read' as const }, { code: 'search-type' as const }],
          versioning: 'no-version' as const,
          readHistory: false,
          updateCreate: false,
          searchParam: [...params.map((p) => ({ name: p.name, definition: p.definition, type: p.type, documentation: p.documentation })), ...common],
        })),
      },
    ],
  };
}
