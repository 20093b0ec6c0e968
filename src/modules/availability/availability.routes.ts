import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, ok } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import { DoctorParams } from '../doctors/doctors.schemas.ts';
import { Availability, AvailabilityQuery, PublicAvailabilityParams } from './availability.schemas.ts';
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
        response: { 200: Envelope(Availability) },
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
        response: { 200: Envelope(Availability) },
      },
    },
    async (request) => ok(await service.forPublic(request.params.subdomain, request.params.id, request.query)),
  );
}
