import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ListEnvelope, ok, page } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import {
  CreateDoctorBody,
  Doctor,
  DoctorParams,
  ListDoctorsQuery,
  PublicDoctor,
  PublicDoctorsParams,
  PublicDoctorsQuery,
  UpdateDoctorBody,
} from './doctors.schemas.ts';
import type { DoctorService } from './doctors.service.ts';
import { doctorView, publicDoctorView } from './doctors.views.ts';

export async function doctorRoutes(fastify: FastifyInstance, { service }: { service: DoctorService }) {
  const app = typedRoutes(fastify, 'doctors');

  app.post(
    '/v1/doctors',
    {
      config: { permission: 'doctors.manage' },
      schema: {
        operationId: 'createDoctor',
        summary: "Add a doctor (counted against the plan's maxDoctors)",
        body: CreateDoctorBody,
        response: { 201: Envelope(Doctor), ...errorResponses(402, 409) },
      },
    },
    async (request, reply) => {
      const row = await service.create(tenantActorOf(request), request.body);
      return reply.status(201).send(ok(doctorView(row), 'Doctor created'));
    },
  );

  app.get(
    '/v1/doctors',
    {
      config: { permission: 'doctors.read' },
      schema: { operationId: 'listDoctors', summary: "The hospital's doctors, by name", querystring: ListDoctorsQuery, response: { 200: ListEnvelope(Doctor) } },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request), request.query);
      return page(items.map(doctorView), nextCursor);
    },
  );

  app.get(
    '/v1/doctors/:id',
    {
      config: { permission: 'doctors.read' },
      schema: { operationId: 'getDoctor', summary: 'One doctor', params: DoctorParams, response: { 200: Envelope(Doctor) } },
    },
    async (request) => ok(doctorView(await service.get(tenantActorOf(request).hospitalId, request.params.id))),
  );

  app.patch(
    '/v1/doctors/:id',
    {
      config: { permission: 'doctors.manage' },
      schema: {
        operationId: 'updateDoctor',
        summary: 'Change a doctor; active:false deactivates, active:true reactivates within the plan limit',
        params: DoctorParams,
        body: UpdateDoctorBody,
        response: { 200: Envelope(Doctor), ...errorResponses(402, 409) },
      },
    },
    async (request) => ok(doctorView(await service.update(tenantActorOf(request), request.params.id, request.body)), 'Doctor updated'),
  );

  app.delete(
    '/v1/doctors/:id',
    {
      config: { permission: 'doctors.manage' },
      schema: {
        operationId: 'deactivateDoctor',
        summary: 'Deactivate a doctor: history is kept, no new bookings, gone from public lists',
        params: DoctorParams,
        response: { 200: Envelope(Doctor) },
      },
    },
    async (request) => ok(doctorView(await service.deactivate(tenantActorOf(request), request.params.id)), 'Doctor deactivated'),
  );

  app.get(
    '/v1/public/hospitals/:subdomain/doctors',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'listPublicDoctors',
        summary: "A hospital's active doctors (no contact details)",
        params: PublicDoctorsParams,
        querystring: PublicDoctorsQuery,
        response: { 200: ListEnvelope(PublicDoctor) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.listPublic(request.params.subdomain, request.query);
      return page(items.map(publicDoctorView), nextCursor);
    },
  );
}
