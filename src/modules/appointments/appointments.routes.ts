import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ListEnvelope, ok, page } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import { idempotencyOf, REPLAYED_HEADERS } from '../idempotency/idempotency.ts';
import {
  Appointment,
  AppointmentParams,
  CancelBody,
  CreateAppointmentBody,
  EmptyBody,
  IdempotencyHeaders,
  ListAppointmentsQuery,
  RescheduleBody,
} from './appointments.schemas.ts';
import type { AppointmentService } from './appointments.service.ts';
import { appointmentView } from './appointments.views.ts';

const BookedEnvelope = Envelope(Appointment);

export async function appointmentRoutes(fastify: FastifyInstance, { service }: { service: AppointmentService }) {
  const app = typedRoutes(fastify, 'appointments');

  app.post(
    '/v1/appointments',
    {
      config: { permission: 'appointments.write' },
      schema: {
        operationId: 'bookAppointment',
        summary: 'Book an appointment (Idempotency-Key supported)',
        description:
          'Inside the doctor\'s weekly hours and outside time off, in the future, within the booking window and the plan\'s monthly limit. ' +
          'Overlaps for the doctor (SLOT_UNAVAILABLE) or the patient (PATIENT_BUSY) are refused by PostgreSQL exclusion constraints. ' +
          'With Idempotency-Key, a retry with the same body within 24 h replays the first response (header Idempotent-Replayed: true).',
        headers: IdempotencyHeaders,
        body: CreateAppointmentBody,
        response: { 201: { ...BookedEnvelope, headers: REPLAYED_HEADERS }, ...errorResponses(402, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const actor = tenantActorOf(request);
      const idempotency = idempotencyOf(request.headers['idempotency-key'], { method: 'POST', route: '/v1/appointments', userId: actor.userId, body: request.body });
      const result = await service.book(actor, request.body, { idempotency });
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(result.status).send(ok(result.view, 'Appointment booked'));
    },
  );

  app.get(
    '/v1/appointments',
    {
      config: { permission: 'appointments.read' },
      schema: {
        operationId: 'listAppointments',
        summary: 'Appointments by start time (filters: doctor, patient, range, status)',
        querystring: ListAppointmentsQuery,
        response: { 200: ListEnvelope(Appointment) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request), request.query);
      return page(items.map(appointmentView), nextCursor);
    },
  );

  app.get(
    '/v1/appointments/:id',
    {
      config: { permission: 'appointments.read' },
      schema: { operationId: 'getAppointment', summary: 'One appointment', params: AppointmentParams, response: { 200: Envelope(Appointment) } },
    },
    async (request) => ok(appointmentView(await service.get(tenantActorOf(request), request.params.id))),
  );

  app.post(
    '/v1/appointments/:id/cancel',
    {
      config: { permission: 'appointments.write' },
      schema: {
        operationId: 'cancelAppointment',
        summary: 'Cancel a scheduled appointment (frees its time; the patient is notified)',
        params: AppointmentParams,
        body: CancelBody,
        response: { 200: Envelope(Appointment), ...errorResponses(409) },
      },
    },
    async (request) =>
      ok(appointmentView(await service.cancel(tenantActorOf(request), request.params.id, request.body)), 'Appointment cancelled'),
  );

  app.post(
    '/v1/appointments/:id/reschedule',
    {
      config: { permission: 'appointments.write' },
      schema: {
        operationId: 'rescheduleAppointment',
        summary: 'Move a scheduled appointment atomically (it keeps its old time if the new one is taken)',
        params: AppointmentParams,
        body: RescheduleBody,
        response: { 200: Envelope(Appointment), ...errorResponses(402, 409, 422) },
      },
    },
    async (request) =>
      ok(appointmentView(await service.reschedule(tenantActorOf(request), request.params.id, request.body)), 'Appointment rescheduled'),
  );

  app.post(
    '/v1/appointments/:id/complete',
    {
      config: { permission: 'appointments.write' },
      schema: {
        operationId: 'completeAppointment',
        summary: 'Mark a started appointment as completed',
        params: AppointmentParams,
        body: EmptyBody,
        response: { 200: Envelope(Appointment), ...errorResponses(409) },
      },
    },
    async (request) => ok(appointmentView(await service.complete(tenantActorOf(request), request.params.id)), 'Appointment completed'),
  );

  app.post(
    '/v1/appointments/:id/no-show',
    {
      config: { permission: 'appointments.write' },
      schema: {
        operationId: 'markAppointmentNoShow',
        summary: 'Mark a started appointment as a no-show',
        params: AppointmentParams,
        body: EmptyBody,
        response: { 200: Envelope(Appointment), ...errorResponses(409) },
      },
    },
    async (request) => ok(appointmentView(await service.noShow(tenantActorOf(request), request.params.id)), 'Appointment marked as no-show'),
  );
}
