import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ok } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import { idempotencyOf, REPLAYED_HEADERS } from '../idempotency/idempotency.ts';
import { AppointmentSeries, CancelSeriesBody, CreateSeriesBody, IdempotencyHeaders, SeriesParams } from './series.schemas.ts';
import type { SeriesService } from './series.service.ts';

const SeriesEnvelope = Envelope(AppointmentSeries);

export async function seriesRoutes(fastify: FastifyInstance, { service }: { service: SeriesService }) {
  const app = typedRoutes(fastify, 'appointments');

  app.post(
    '/v1/appointment-series',
    {
      config: { permission: 'appointments.write' },
      schema: {
        operationId: 'bookAppointmentSeries',
        summary: 'Book a recurring series of appointments (Idempotency-Key supported)',
        description:
          'Daily or weekly, every 1–4 days or weeks, by count (2–52) or until; every occurrence keeps the local wall-clock time of start ' +
          'in the hospital time zone, across DST changes. Each occurrence is an ordinary appointment (with seriesId) under the rules of ' +
          'POST /v1/appointments, counted against the plan in its own month. onConflict fail (default): all or nothing, 409 SERIES_CONFLICT ' +
          'with details.conflicts listing every occurrence that cannot be booked ({start, code, reason}) and, when the plan limit is one ' +
          'reason, details.months ({month, limit, used, requested}). onConflict skip: books the free occurrences and lists the others in ' +
          'skipped; 409 SERIES_CONFLICT if none can be booked. The patient gets one confirmation listing the series; reminders come per occurrence.',
        headers: IdempotencyHeaders,
        body: CreateSeriesBody,
        response: { 201: { ...SeriesEnvelope, headers: REPLAYED_HEADERS }, ...errorResponses(402, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const actor = tenantActorOf(request);
      const idempotency = idempotencyOf(request.headers['idempotency-key'], { method: 'POST', route: '/v1/appointment-series', userId: actor.userId, body: request.body });
      const result = await service.book(actor, request.body, { idempotency });
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(result.status).send(ok(result.view, 'Appointment series booked'));
    },
  );

  app.get(
    '/v1/appointment-series/:id',
    {
      config: { permission: 'appointments.read' },
      schema: {
        operationId: 'getAppointmentSeries',
        summary: 'One appointment series with its occurrences (each with its status)',
        params: SeriesParams,
        response: { 200: SeriesEnvelope },
      },
    },
    async (request) => ok(await service.get(tenantActorOf(request), request.params.id)),
  );

  app.post(
    '/v1/appointment-series/:id/cancel',
    {
      config: { permission: 'appointments.write' },
      schema: {
        operationId: 'cancelAppointmentSeries',
        summary: 'Cancel the scheduled occurrences from an instant on (default: every future one)',
        description:
          'Cancels every scheduled occurrence starting at or after from (default now) and frees its time; earlier, finished and ' +
          'already cancelled occurrences stay as they are. The patient gets one summary of the cancelled dates.',
        params: SeriesParams,
        body: CancelSeriesBody,
        response: { 200: SeriesEnvelope },
      },
    },
    async (request) => ok(await service.cancel(tenantActorOf(request), request.params.id, request.body), 'Appointment series cancelled'),
  );
}
