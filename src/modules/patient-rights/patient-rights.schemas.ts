import type { Bundle } from '@medplum/fhirtypes';
import { Type, type Static } from 'typebox';
import { NameOf } from '../../http/schemas.ts';
import { Patient } from '../patients/patients.schemas.ts';

export const EraseBody = Type.Object(
  { reason: { ...NameOf(500), description: 'Why the patient is erased (e.g. the request under GDPR art. 17 and its reference); kept in the audit log' } },
  { additionalProperties: false, examples: [{ reason: 'Erasure request of 2026-03-01, ticket 4711' }] },
);
export type EraseInput = Static<typeof EraseBody>;

export const PatientErasure = Type.Object(
  {
    patient: Patient,
    steps: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
      description: 'Rows each erasure step changed: identity, futureAppointmentsCancelled, pendingEventsDropped, messagesDropped, and those of later features',
    }),
    clinicalRecordsKeptUntil: Type.String({
      format: 'date',
      description: 'Visit notes and past appointments stay until at least this day (CLINICAL_RETENTION_YEARS); Tempus deletes none of them itself',
    }),
  },
  { $id: 'PatientErasure' },
);

const Coding = Type.Object({ system: Type.String(), code: Type.String(), display: Type.Optional(Type.String()) });

/**
 * The export's FHIR R4 Bundle, described down to what every entry has
 * (resourceType and id); the resources themselves are FHIR R4 as published
 * (Patient, Appointment, DocumentReference, Communication), validated against
 * the R4 definitions in the tests, so their fields are not repeated here.
 * Typed as @medplum/fhirtypes' Bundle, which the mapping functions build.
 */
const BundleSchema = Type.Object(
  {
    resourceType: Type.Literal('Bundle'),
    type: Type.Literal('collection'),
    timestamp: Type.String({ format: 'date-time' }),
    meta: Type.Optional(Type.Object({ tag: Type.Array(Coding, { description: 'urn:tempus:patient-status#erased when the patient was erased' }) })),
    entry: Type.Array(
      Type.Object({
        resource: Type.Object(
          {
            resourceType: Type.Union([Type.Literal('Patient'), Type.Literal('Appointment'), Type.Literal('DocumentReference'), Type.Literal('Communication')]),
            id: Type.String({ maxLength: 64 }),
          },
          { additionalProperties: true, description: 'A FHIR R4 resource' },
        ),
      }),
    ),
  },
  {
    $id: 'FhirBundle',
    examples: [
      {
        resourceType: 'Bundle',
        type: 'collection',
        timestamp: '2026-03-02T09:15:00.000Z',
        entry: [{ resource: { resourceType: 'Patient', id: '5f0c3a8e-2b1d-4c6f-9e7a-1d2c3b4a5f60', active: true, name: [{ text: 'Maria Rossi' }] } }],
      },
    ],
  },
);

export const FhirBundle = Type.Unsafe<Bundle>(BundleSchema);
