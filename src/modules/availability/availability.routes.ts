import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ok } from '../../http/envelope.ts';
import { DoctorParams } from '../doctors/doctors.schemas.ts';
import { Availability, AvailabilityQuery, PublicAvailabilityParams, type AvailabilityInput } from './availability.schemas.ts';
import type { AvailabilityService } from './availability.service.ts';

export async function availabilityRoutes(app: FastifyInstance, { service }: { service: AvailabilityService }) {
  app.get<{ Params: { id: string }; Querystring: AvailabilityInput }>(
    '/v1/doctors/:id/availability',
    {
      config: { permission: 'schedules.read' },
      schema: {
        tags: ['schedules'],
        security: [{ bearer: [] }],
        summary: 'Bookable slots over up to 31 local days: weekly hours minus time off, appointments (with buffer), the past and the minimum notice',
        params: DoctorParams,
        querystring: AvailabilityQuery,
        response: { 200: Envelope(Availability), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ok(await service.forDoctor(tenantActorOf(request), request.params.id, request.query)),
  );

  app.get<{ Params: { subdomain: string; id: string }; Querystring: AvailabilityInput }>(
    '/v1/public/hospitals/:subdomain/doctors/:id/availability',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['public'],
        summary: "A doctor's bookable slots on the hospital's public pages (stops at the booking horizon)",
        params: PublicAvailabilityParams,
        querystring: AvailabilityQuery,
        response: { 200: Envelope(Availability), ...errorResponses(400, 404, 429) },
      },
    },
    async (request) => ok(await service.forPublic(request.params.subdomain, request.params.id, request.query)),
  );
}
