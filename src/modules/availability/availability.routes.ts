import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ok } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import { DoctorParams } from '../doctors/doctors.schemas.ts';
import { Availability, AvailabilityQuery, PublicAvailabilityParams, VisitTypeAvailability, VisitTypeAvailabilityQuery } from './availability.schemas.ts';
import { VisitTypeParams } from '../visit-types/visit-types.schemas.ts';
import type { AvailabilityService } from './availability.service.ts';

export async function availabilityRoutes(fastify: FastifyInstance, { service }: { service: AvailabilityService }) {
  const app = typedRoutes(fastify, 'schedules');

  app.get(
    '/v1/doctors/:id/availability',
    {
      config: { permission: 'schedules.read' },
      schema: {
        operationId: 'getDoctorAvailability',
        summary: 'Bookable slots over up to 31 local days: weekly hours minus time off, appointments (with buffer), the past and the minimum notice',
        params: DoctorParams,
        querystring: AvailabilityQuery,
        response: { 200: Envelope(Availability), ...errorResponses(422) },
      },
    },
    async (request) => ok(await service.forDoctor(tenantActorOf(request), request.params.id, request.query)),
  );

  app.get(
    '/v1/public/hospitals/:subdomain/doctors/:id/availability',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'getPublicDoctorAvailability',
        summary: "A doctor's bookable slots on the hospital's public pages (stops at the booking horizon)",
        params: PublicAvailabilityParams,
        querystring: AvailabilityQuery,
        response: { 200: Envelope(Availability), ...errorResponses(422) },
      },
    },
    async (request) => ok(await service.forPublic(request.params.subdomain, request.params.id, request.query)),
  );

  app.get(
    '/v1/visit-types/:id/availability',
    {
      config: { permission: 'schedules.read' },
      schema: {
        operationId: 'getVisitTypeAvailability',
        summary: 'Slots of a visit type over up to 31 local days, across every active doctor offering it, where its required resources are free',
        params: VisitTypeParams,
        querystring: VisitTypeAvailabilityQuery,
        response: { 200: Envelope(VisitTypeAvailability), ...errorResponses(422) },
      },
    },
    async (request) => ok(await service.forVisitType(tenantActorOf(request), request.params.id, request.query)),
  );

  app.get(
    '/v1/public/hospitals/:subdomain/visit-types/:id/availability',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'getPublicVisitTypeAvailability',
        summary: "Slots of a bookable-online visit type on the hospital's public pages (stops at the booking horizon)",
        params: PublicAvailabilityParams,
        querystring: VisitTypeAvailabilityQuery,
        response: { 200: Envelope(VisitTypeAvailability) },
      },
    },
    async (request) => ok(await service.forPublicVisitType(request.params.subdomain, request.params.id, request.query)),
  );
}
