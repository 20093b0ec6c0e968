import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, ListEnvelope, ok, page } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import { DoctorParams } from '../doctors/doctors.schemas.ts';
import { CreateTimeOffBody, ListTimeOffQuery, PutScheduleBody, Schedule, TimeOff, TimeOffCreatedDetails, TimeOffParams } from './schedules.schemas.ts';
import type { ScheduleService } from './schedules.service.ts';
import { timeOffView } from './schedules.views.ts';

export async function scheduleRoutes(fastify: FastifyInstance, { service }: { service: ScheduleService }) {
  const app = typedRoutes(fastify, 'schedules');

  app.get(
    '/v1/doctors/:id/schedule',
    {
      config: { permission: 'schedules.read' },
      schema: {
        operationId: 'getDoctorSchedule',
        summary: "A doctor's weekly hours (local wall-clock time in the hospital's zone)",
        params: DoctorParams,
        response: { 200: Envelope(Schedule) },
      },
    },
    async (request) => ok(await service.getSchedule(tenantActorOf(request).hospitalId, request.params.id)),
  );

  app.put(
    '/v1/doctors/:id/schedule',
    {
      config: { permission: 'schedules.write' },
      schema: {
        operationId: 'putDoctorSchedule',
        summary: 'Replace the weekly hours (a doctor: only their own)',
        params: DoctorParams,
        body: PutScheduleBody,
        response: { 200: Envelope(Schedule) },
      },
    },
    async (request) => ok(await service.putSchedule(tenantActorOf(request), request.params.id, request.body), 'Schedule saved'),
  );

  app.post(
    '/v1/doctors/:id/time-off',
    {
      config: { permission: 'schedules.write' },
      schema: {
        operationId: 'addTimeOff',
        summary: 'Add time off (may overlap other time off); booked appointments inside it are listed in details',
        params: DoctorParams,
        body: CreateTimeOffBody,
        response: { 201: Envelope(TimeOff, { details: Type.Optional(TimeOffCreatedDetails) }) },
      },
    },
    async (request, reply) => {
      const { timeOff, overlapping } = await service.createTimeOff(tenantActorOf(request), request.params.id, request.body);
      if (overlapping.total === 0) return reply.status(201).send(ok(timeOffView(timeOff), 'Time off added'));
      const message =
        overlapping.total === 1
          ? 'Time off added; 1 booked appointment falls inside it: move or cancel it (see details)'
          : `Time off added; ${overlapping.total} booked appointments fall inside it: move or cancel them (see details)`;
      const overlappingAppointments = overlapping.appointments.map((a) => ({ id: a.id, start: a.startsAt.toISOString(), end: a.endsAt.toISOString(), patientId: a.patientId }));
      return reply.status(201).send(ok(timeOffView(timeOff), message, { overlappingTotal: overlapping.total, overlappingAppointments }));
    },
  );

  app.get(
    '/v1/doctors/:id/time-off',
    {
      config: { permission: 'schedules.read' },
      schema: {
        operationId: 'listTimeOff',
        summary: "A doctor's time off, by start",
        params: DoctorParams,
        querystring: ListTimeOffQuery,
        response: { 200: ListEnvelope(TimeOff) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.listTimeOff(tenantActorOf(request).hospitalId, request.params.id, request.query);
      return page(items.map(timeOffView), nextCursor);
    },
  );

  app.delete(
    '/v1/doctors/:id/time-off/:timeOffId',
    {
      config: { permission: 'schedules.write' },
      schema: { operationId: 'removeTimeOff', summary: 'Remove time off', params: TimeOffParams, response: { 200: Envelope(TimeOff) } },
    },
    async (request) =>
      ok(timeOffView(await service.deleteTimeOff(tenantActorOf(request), request.params.id, request.params.timeOffId)), 'Time off removed'),
  );
}
