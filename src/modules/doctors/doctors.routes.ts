import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ListEnvelope, ok, page } from '../../http/envelope.ts';
import {
  CreateDoctorBody,
  Doctor,
  DoctorParams,
  ListDoctorsQuery,
  PublicDoctor,
  PublicDoctorsParams,
  PublicDoctorsQuery,
  UpdateDoctorBody,
  type CreateDoctorInput,
  type ListDoctorsInput,
  type UpdateDoctorInput,
} from './doctors.schemas.ts';
import type { DoctorService } from './doctors.service.ts';
import { doctorView, publicDoctorView } from './doctors.views.ts';

const tags = ['doctors'];
const security = [{ bearer: [] }];

export async function doctorRoutes(app: FastifyInstance, { service }: { service: DoctorService }) {
  app.post<{ Body: CreateDoctorInput }>(
    '/v1/doctors',
    {
      config: { permission: 'doctors.manage' },
      schema: {
        tags,
        security,
        summary: "Add a doctor (counted against the plan's maxDoctors)",
        body: CreateDoctorBody,
        response: { 201: Envelope(Doctor), ...errorResponses(400, 401, 402, 403, 409) },
      },
    },
    async (request, reply) => {
      const row = await service.create(tenantActorOf(request), request.body);
      return reply.status(201).send(ok(doctorView(row), 'Doctor created'));
    },
  );

  app.get<{ Querystring: ListDoctorsInput }>(
    '/v1/doctors',
    {
      config: { permission: 'doctors.read' },
      schema: {
        tags,
        security,
        summary: "The hospital's doctors, by name",
        querystring: ListDoctorsQuery,
        response: { 200: ListEnvelope(Doctor), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request), request.query);
      return page(items.map(doctorView), nextCursor);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/doctors/:id',
    {
      config: { permission: 'doctors.read' },
      schema: { tags, security, summary: 'One doctor', params: DoctorParams, response: { 200: Envelope(Doctor), ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => ok(doctorView(await service.get(tenantActorOf(request).hospitalId, request.params.id))),
  );

  app.patch<{ Params: { id: string }; Body: UpdateDoctorInput }>(
    '/v1/doctors/:id',
    {
      config: { permission: 'doctors.manage' },
      schema: {
        tags,
        security,
        summary: 'Change a doctor; active:false deactivates, active:true reactivates within the plan limit',
        params: DoctorParams,
        body: UpdateDoctorBody,
        response: { 200: Envelope(Doctor), ...errorResponses(400, 401, 402, 403, 404, 409) },
      },
    },
    async (request) => ok(doctorView(await service.update(tenantActorOf(request), request.params.id, request.body)), 'Doctor updated'),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/doctors/:id',
    {
      config: { permission: 'doctors.manage' },
      schema: {
        tags,
        security,
        summary: 'Deactivate a doctor: history is kept, no new bookings, gone from public lists',
        params: DoctorParams,
        response: { 200: Envelope(Doctor), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ok(doctorView(await service.deactivate(tenantActorOf(request), request.params.id)), 'Doctor deactivated'),
  );

  app.get<{ Params: { subdomain: string }; Querystring: { limit?: number; cursor?: string } }>(
    '/v1/public/hospitals/:subdomain/doctors',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['public'],
        summary: "A hospital's active doctors (no contact details)",
        params: PublicDoctorsParams,
        querystring: PublicDoctorsQuery,
        response: { 200: ListEnvelope(PublicDoctor), ...errorResponses(400, 404, 429) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.listPublic(request.params.subdomain, request.query);
      return page(items.map(publicDoctorView), nextCursor);
    },
  );
}
