import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ok } from '../../http/envelope.ts';
import { IdParams } from '../../http/schemas.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import { patientView } from '../patients/patients.views.ts';
import type { ErasureService } from './erasure.service.ts';
import type { ExportService } from './export.service.ts';
import { EraseBody, FhirBundle, PatientErasure } from './patient-rights.schemas.ts';

export const FHIR_JSON = 'application/fhir+json';

export async function patientRightsRoutes(fastify: FastifyInstance, { erasure, exports }: { erasure: ErasureService; exports: ExportService }) {
  const app = typedRoutes(fastify, 'patients');

  app.get(
    '/v1/patients/:id/export',
    {
      config: { permission: 'patients.export' },
      schema: {
        operationId: 'exportPatient',
        summary: 'Everything Tempus holds about a patient, as a FHIR R4 Bundle',
        description:
          'A `collection` Bundle (`application/fhir+json`) of the Patient, every Appointment, every version of every visit note ' +
          '(DocumentReference: the latest `current`, earlier ones `superseded`) and every message sent or withheld (Communication). ' +
          "For the patient's right of access and portability (GDPR art. 15, 20). An erased patient's Bundle and Patient carry the " +
          'tag urn:tempus:patient-status#erased. Recorded in the access log and audited.',
        params: IdParams,
        response: { 200: { description: 'OK: the FhirBundle', content: { [FHIR_JSON]: { schema: FhirBundle } } } },
      },
    },
    async (request, reply) => {
      const bundle = await exports.exportPatient(tenantActorOf(request), request.params.id);
      return reply.type(FHIR_JSON).send(bundle);
    },
  );

  app.post(
    '/v1/patients/:id/erase',
    {
      config: { permission: 'patients.erase' },
      schema: {
        operationId: 'erasePatient',
        summary: "Erase a patient's identifying data (cannot be undone)",
        description:
          'In one transaction: the name becomes "Erased patient"; email, phone and date of birth are cleared; future appointments are ' +
          'cancelled without any notification; queued messages are dropped and the delivery log loses their addresses; the patient ' +
          'is marked erased and can no longer be found by search, booked or sent anything. Visit notes, past appointments, the audit ' +
          'trail and the access log stay (clinical retention, docs/privacy.md). Owner only. A second erase is 409 PATIENT_ERASED.',
        params: IdParams,
        body: EraseBody,
        response: { 200: Envelope(PatientErasure), ...errorResponses(409) },
      },
    },
    async (request) => {
      const { patient, steps, clinicalRecordsKeptUntil } = await erasure.erase(tenantActorOf(request), request.params.id, request.body);
      return ok({ patient: patientView(patient), steps, clinicalRecordsKeptUntil }, 'Patient erased');
    },
  );
}
