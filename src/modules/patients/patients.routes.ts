import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, ListEnvelope, ok, page } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import { CreatePatientBody, ListPatientsQuery, Patient, PatientParams, UpdatePatientBody } from './patients.schemas.ts';
import type { PatientService } from './patients.service.ts';
import { patientView } from './patients.views.ts';

export async function patientRoutes(fastify: FastifyInstance, { service }: { service: PatientService }) {
  const app = typedRoutes(fastify, 'patients');

  app.post(
    '/v1/patients',
    {
      config: { permission: 'patients.write' },
      schema: { operationId: 'createPatient', summary: 'Add a patient', body: CreatePatientBody, response: { 201: Envelope(Patient) } },
    },
    async (request, reply) => {
      const row = await service.create(tenantActorOf(request), request.body);
      return reply.status(201).send(ok(patientView(row), 'Patient created'));
    },
  );

  app.get(
    '/v1/patients',
    {
      config: { permission: 'patients.read' },
      schema: {
        operationId: 'listPatients',
        summary: 'Patients by name; ?search= matches part of the name, email or phone',
        querystring: ListPatientsQuery,
        response: { 200: ListEnvelope(Patient) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request), request.query);
      return page(items.map(patientView), nextCursor);
    },
  );

  app.get(
    '/v1/patients/:id',
    {
      config: { permission: 'patients.read' },
      schema: { operationId: 'getPatient', summary: 'One patient', params: PatientParams, response: { 200: Envelope(Patient) } },
    },
    async (request) => ok(patientView(await service.get(tenantActorOf(request), request.params.id))),
  );

  app.patch(
    '/v1/patients/:id',
    {
      config: { permission: 'patients.write' },
      schema: { operationId: 'updatePatient', summary: 'Change a patient', params: PatientParams, body: UpdatePatientBody, response: { 200: Envelope(Patient) } },
    },
    async (request) => ok(patientView(await service.update(tenantActorOf(request), request.params.id, request.body)), 'Patient updated'),
  );
}
