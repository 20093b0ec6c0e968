import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ListEnvelope, ok, page } from '../../http/envelope.ts';
import { requestHash } from '../idempotency/idempotency.ts';
import {
  Appointment,
  AppointmentParams,
  CancelBody,
  CreateAppointmentBody,
  EmptyBody,
  IdempotencyHeaders,
  ListAppointmentsQuery,
  RescheduleBody,
  type CancelInput,
  type CreateAppointmentInput,
  type ListAppointmentsInput,
  type RescheduleInput,
} from './appointments.schemas.ts';
import type { AppointmentService } from './appointments.service.ts';
import { appointmentView } from './appointments.views.ts';

type Params = { id: string };

/** cancel / complete / no-show have only optional fields: no body at all means `{}` (still validated, unknown fields refused). */
const emptyBodyAsObject = async (request: FastifyRequest) => {
  if (request.body === undefined || request.body === null) request.body = {};
};

export async function appointmentRoutes(app: FastifyInstance, { service }: { service: AppointmentService }) {
  app.post<{ Body: CreateAppointmentInput; Headers: { 'idempotency-key'?: string } }>(
    '/v1/appointments',
    {
      config: { permission: 'appointments.write' },
      schema: {
        tags: ['appointments'],
        summary: 'Book an appointment (Idempotency-Key supported)',
        description:
          'Inside the doctor\'s weekly hours and outside time off, in the future, within the booking window and the plan\'s monthly limit. ' +
          'Overlaps for the doctor (SLOT_UNAVAILABLE) or the patient (PATIENT_BUSY) are refused by PostgreSQL exclusion constraints. ' +
          'With Idempotency-Key, a retry with the same body within 24 h replays the first response (header idempotent-replayed: true).',
        security: [{ bearer: [] }],
        headers: IdempotencyHeaders,
        body: CreateAppointmentBody,
        response: { 201: Envelope(Appointment), ...errorResponses(400, 401, 402, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const actor = tenantActorOf(request);
      const key = request.headers['idempotency-key'];
      const result = await service.book(actor, request.body, {
        idempotency: key
          ? { key, hash: requestHash({ method: 'POST', route: '/v1/appointments', userId: actor.userId, body: request.body }) }
          : undefined,
      });
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(result.status).send(ok(result.view, 'Appointment booked'));
    },
  );

  app.get<{ Querystring: ListAppointmentsInput }>(
    '/v1/appointments',
    {
      config: { permission: 'appointments.read' },
      schema: {
        tags: ['appointments'],
        summary: 'Appointments by start time (filters: doctor, patient, range, status)',
        security: [{ bearer: [] }],
        querystring: ListAppointmentsQuery,
        response: { 200: ListEnvelope(Appointment), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request), request.query);
      return page(items.map(appointmentView), nextCursor);
    },
  );

  app.get<{ Params: Params }>(
    '/v1/appointments/:id',
    {
      config: { permission: 'appointments.read' },
      schema: {
        tags: ['appointments'],
        summary: 'One appointment',
        security: [{ bearer: [] }],
        params: AppointmentParams,
        response: { 200: Envelope(Appointment), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ok(appointmentView(await service.get(tenantActorOf(request), request.params.id))),
  );

  app.post<{ Params: Params; Body: CancelInput }>(
    '/v1/appointments/:id/cancel',
    {
      config: { permission: 'appointments.write' },
      preValidation: emptyBodyAsObject,
      schema: {
        tags: ['appointments'],
        summary: 'Cancel a scheduled appointment (frees its time; the patient is notified)',
        security: [{ bearer: [] }],
        params: AppointmentParams,
        body: CancelBody,
        response: { 200: Envelope(Appointment), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      ok(appointmentView(await service.cancel(tenantActorOf(request), request.params.id, request.body)), 'Appointment cancelled'),
  );

  app.post<{ Params: Params; Body: RescheduleInput }>(
    '/v1/appointments/:id/reschedule',
    {
      config: { permission: 'appointments.write' },
      schema: {
        tags: ['appointments'],
        summary: 'Move a scheduled appointment atomically (it keeps its old time if the new one is taken)',
        security: [{ bearer: [] }],
        params: AppointmentParams,
        body: RescheduleBody,
        response: { 200: Envelope(Appointment), ...errorResponses(400, 401, 402, 403, 404, 409, 422) },
      },
    },
    async (request) =>
      ok(appointmentView(await service.reschedule(tenantActorOf(request), request.params.id, request.body)), 'Appointment rescheduled'),
  );

  app.post<{ Params: Params }>(
    '/v1/appointments/:id/complete',
    {
      config: { permission: 'appointments.write' },
      preValidation: emptyBodyAsObject,
      schema: {
        tags: ['appointments'],
        summary: 'Mark a started appointment as completed',
        security: [{ bearer: [] }],
        params: AppointmentParams,
        body: EmptyBody,
        response: { 200: Envelope(Appointment), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ok(appointmentView(await service.complete(tenantActorOf(request), request.params.id)), 'Appointment completed'),
  );

  app.post<{ Params: Params }>(
    '/v1/appointments/:id/no-show',
    {
      config: { permission: 'appointments.write' },
      preValidation: emptyBodyAsObject,
      schema: {
        tags: ['appointments'],
        summary: 'Mark a started appointment as a no-show',
        security: [{ bearer: [] }],
        params: AppointmentParams,
        body: EmptyBody,
        response: { 200: Envelope(Appointment), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ok(appointmentView(await service.noShow(tenantActorOf(request), request.params.id)), 'Appointment marked as no-show'),
  );
}
