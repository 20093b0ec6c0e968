import type { ErrorFormat } from '../../http/error-handler.ts';
import { FHIR_JSON, FhirBundle, FhirCapabilityStatement, FhirResources, OperationOutcome } from './fhir.schemas.ts';
import { toOperationOutcome } from './mapping/operation-outcome.ts';

/** Errors under /fhir/ as OperationOutcome, with the status the one error table gives them. */
export const fhirErrorFormat: ErrorFormat = { prefix: '/fhir/', contentType: FHIR_JSON, render: toOperationOutcome };

/** The named schemas the FHIR routes refer to (components.schemas in the OpenAPI document). */
export const fhirSchemas = [OperationOutcome, FhirBundle, FhirCapabilityStatement, ...Object.values(FhirResources)];
