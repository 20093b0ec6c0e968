import type { FastifyInstance } from 'fastify';
import { Envelope, errorResponses, ok } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import { Availability, VisitTypeAvailabilityQuery } from '../availability/availability.schemas.ts';
import { ManageCancelBody, ManagedAppointment, ManageParams, ManageRescheduleBody } from './manage.schemas.ts';
import type { ManageService } from './manage.service.ts';

/**
 * The patient's manage link (SPEC section 15). Public (the signed token is the
 * capability), rate limited per IP like every /v1/public route; the token is
 * redacted from logged URLs (src/infra/observability/logger.ts). Any token that
 * does not name a live appointment answers the same 404.
 */
export async function manageRoutes(fastify: FastifyInstance, { service }: { service: ManageService }) {
  const app = typedRoutes(fastify, 'public');

  app.get(
    '/v1/public/manage/:token',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'getManagedAppointment',
        summary: 'The appointment a manage link names, as its patient may see it',
        params: ManageParams,
        response: { 200: Envelope(ManagedAppointment), ...errorResponses(404) },
      },
    },
    async (request) => ok(await service.get(request.params.token)),
  );

  app.post(
    '/v1/public/manage/:token/cancel',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'cancelManagedAppointment',
        summary: "Cancel it as the patient (until the hospital's cancellationNoticeMinutes before the start); the link dies with it",
        params: ManageParams,
        body: ManageCancelBody,
        response: { 200: Envelope(ManagedAppointment), ...errorResponses(404, 409, 422) },
      },
    },
    async (request) => ok(await service.cancel(request.params.token, request.body ?? {}, request.id), 'Appointment cancelled'),
  );

  app.post(
    '/v1/public/manage/:token/reschedule',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'rescheduleManagedAppointment',
        summary: 'Move it as the patient to a free start of the same doctor and visit type; a notice with a new link follows',
        description: "422 TOO_LATE_TO_CHANGE inside the hospital's cancellationNoticeMinutes before the current start, or for a new start inside it (the visit could not be changed again).",
        params: ManageParams,
        body: ManageRescheduleBody,
        response: { 200: Envelope(ManagedAppointment), ...errorResponses(404, 409, 422) },
      },
    },
    async (request) => ok(await service.reschedule(request.params.token, request.body, request.id), 'Appointment moved'),
  );

  app.get(
    '/v1/public/manage/:token/availability',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'getManagedAppointmentAvailability',
        summary: 'Free slots of the same doctor and visit type over up to 31 local days (stops at the booking horizon)',
        description: "Only slots starting more than the hospital's cancellationNoticeMinutes from now: the ones the patient may move to.",
        params: ManageParams,
        querystring: VisitTypeAvailabilityQuery,
        response: { 200: Envelope(Availability), ...errorResponses(404, 422) },
      },
    },
    async (request) => ok(await service.availability(request.params.token, request.query)),
  );
}
