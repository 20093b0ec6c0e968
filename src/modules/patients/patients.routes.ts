import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ListEnvelope, ok, page } from '../../http/envelope.ts';
import type { PatientRow } from './patients.repo.ts';
import {
  CreatePatientBody,
  ListPatientsQuery,
  Patient,
  PatientParams,
  UpdatePatientBody,
  type CreatePatientInput,
  type ListPatientsInput,
  type UpdatePatientInput,
} from './patients.schemas.ts';
import type { PatientService } from './patients.service.ts';

const tags = ['patients'];
const security = [{ bearer: [] }];

export function patientView(row: PatientRow) {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    dateOfBirth: row.dateOfBirth,
    notificationChannel: row.notificationChannel,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function patientRoutes(app: FastifyInstance, { service }: { service: PatientService }) {
  app.post<{ Body: CreatePatientInput }>(
    '/v1/patients',
    {
      config: { permission: 'patients.write' },
      schema: { tags, security, summary: 'Add a patient', body: CreatePatientBody, response: { 201: Envelope(Patient), ...errorResponses(400, 401, 403) } },
    },
    async (request, reply) => {
      const row = await service.create(tenantActorOf(request), request.body);
      return reply.status(201).send(ok(patientView(row), 'Patient created'));
    },
  );

  app.get<{ Querystring: ListPatientsInput }>(
    '/v1/patients',
    {
      config: { permission: 'patients.read' },
      schema: {
        tags,
        security,
        summary: 'Patients by name; ?search= matches part of the name, email or phone',
        querystring: ListPatientsQuery,
        response: { 200: ListEnvelope(Patient), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request), request.query);
      return page(items.map(patientView), nextCursor);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/patients/:id',
    {
      config: { permission: 'patients.read' },
      schema: { tags, security, summary: 'One patient', params: PatientParams, response: { 200: Envelope(Patient), ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => ok(patientView(await service.get(tenantActorOf(request).hospitalId, request.params.id))),
  );

  app.patch<{ Params: { id: string }; Body: UpdatePatientInput }>(
    '/v1/patients/:id',
    {
      config: { permission: 'patients.write' },
      schema: {
        tags,
        security,
        summary: 'Change a patient',
        params: PatientParams,
        body: UpdatePatientBody,
        response: { 200: Envelope(Patient), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ok(patientView(await service.update(tenantActorOf(request), request.params.id, request.body)), 'Patient updated'),
  );
}
