import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/** The error envelope's facts (src/http/error-handler.ts computes them; this only re-shapes them). */
export interface ErrorFacts {
  error: string;
  code: string;
  details?: Record<string, unknown>;
}

/** HTTP status → OperationOutcome issue code (http://hl7.org/fhir/issue-type). */
function issueCode(status: number): OperationOutcomeIssue['code'] {
  if (status === 400 || status === 413 || status === 415) return 'invalid';
  if (status === 401) return 'login';
  if (status === 403) return 'forbidden';
  if (status === 404 || status === 410) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 422) return 'business-rule';
  if (status === 429) return 'throttled';
  if (status === 503) return 'transient';
  return 'exception';
}

/**
 * An error as FHIR clients read it. The machine code (`SLOT_UNAVAILABLE`, ...)
 * travels in `details.coding` and every field-level problem becomes its own
 * issue with its `expression`, so nothing of the JSON envelope is lost.
 */
export function toOperationOutcome(status: number, body: ErrorFacts): OperationOutcome {
  const fields = Array.isArray(body.details?.fields) ? (body.details.fields as { field?: string; message?: string }[]) : [];
  const coding = [{ system: 'urn:tempus:error-code', code: body.code }];
  const issues: OperationOutcomeIssue[] = [
    { severity: status >= 500 ? 'fatal' : 'error', code: issueCode(status), details: { coding, text: body.error }, diagnostics: body.error },
    ...fields.map((f) => ({
      severity: 'error' as const,
      code: 'invalid' as const,
      diagnostics: `${f.field ?? 'request'} ${f.message ?? 'is invalid'}`,
      ...(f.field ? { expression: [f.field] } : {}),
    })),
  ];
  return { resourceType: 'OperationOutcome', issue: issues };
}
