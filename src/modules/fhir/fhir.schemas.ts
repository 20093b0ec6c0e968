import { Type, type TSchema } from 'typebox';
import { Query } from '../../http/schemas.ts';
import { FHIR_TYPES, FHIR_TYPE_NAMES, type FhirType } from './search-definitions.ts';

export const FHIR_JSON = 'application/fhir+json';

/**
 * FHIR resources in the OpenAPI document: named, with their resourceType and
 * id; the full structure is FHIR R4's own (linked), which the tests check
 * every answer against with @medplum/core. Other elements pass through the
 * serializer untouched (additionalProperties).
 */
const resource = (type: string, description: string) =>
  Type.Object(
    { resourceType: Type.Literal(type), id: Type.Optional(Type.String({ maxLength: 64 })) },
    { $id: `Fhir${type}`, additionalProperties: true, description: `${description}. Structure: https://hl7.org/fhir/R4/${type.toLowerCase()}.html` },
  );

export const FhirResources = Object.fromEntries(FHIR_TYPE_NAMES.map((t) => [t, resource(t, FHIR_TYPES[t].documentation)])) as unknown as Record<FhirType, TSchema>;
export const FhirBundle = resource('Bundle', 'A searchset Bundle: `entry[].resource`, `total` where cheap, `link` self and next');
export const FhirCapabilityStatement = resource('CapabilityStatement', 'What this server supports');
export const OperationOutcome = Type.Object(
  {
    resourceType: Type.Literal('OperationOutcome'),
    issue: Type.Array(
      Type.Object(
        {
          severity: Type.String(),
          code: Type.String(),
          diagnostics: Type.Optional(Type.String()),
          details: Type.Optional(Type.Object({}, { additionalProperties: true, description: '`coding[0].code` is the machine code of the /v1 error envelope' })),
          expression: Type.Optional(Type.Array(Type.String())),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { $id: 'OperationOutcome', additionalProperties: true, description: 'A FHIR error: the first issue says what went wrong, further ones name each invalid parameter' },
);

/** A response in FHIR JSON (the media type the routes send), referring to the named schema (registered by the app). */
export const fhirContent = (schema: TSchema) => ({ content: { [FHIR_JSON]: { schema: { $ref: (schema as { $id?: string }).$id! } } } });

export const FhirIdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9\\-.]{1,64}$', description: 'The logical id (FHIR id syntax)' }) },
  { additionalProperties: false },
);

const Values = (description: string) =>
  Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 4, description: `${description}. May repeat` }));

const PAGE = {
  _count: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'Entries per page; lowered to FHIR_MAX_PAGE_SIZE' })),
  _cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: "Where the next page starts: follow the Bundle's next link" })),
  _format: Type.Optional(Type.Enum(['json', 'application/json', 'application/fhir+json'], { description: 'Only JSON is served' })),
};

/** A type's query string: its parameters from the one table, plus paging; anything else is refused (400). */
export const searchQuery = (type: FhirType) =>
  Query({ ...Object.fromEntries(FHIR_TYPES[type].params.map((p) => [p.name, Values(p.documentation)])), ...PAGE });

export const MetadataQuery = Query({ _format: PAGE._format });
