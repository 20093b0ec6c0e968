import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ListEnvelope, ok, page } from '../../http/envelope.ts';
import { DoctorParams } from '../doctors/doctors.schemas.ts';
import {
  CreateTimeOffBody,
  ListTimeOffQuery,
  PutScheduleBody,
  Schedule,
  TimeOff,
  TimeOffCreatedDetails,
  TimeOffParams,
  type CreateTimeOffInput,
  type ListTimeOffInput,
  type PutScheduleInput,
} from './schedules.schemas.ts';
import type { TimeOffRow } from './schedules.repo.ts';
import type { ScheduleService } from './schedules.service.ts';

const tags = ['schedules'];
const security = [{ bearer: [] }];

function timeOffView(row: TimeOffRow) {
  return {
    id: row.id,
    doctorId: row.doctorId,
    start: row.startsAt.toISOString(),
    end: row.endsAt.toISOString(),
    reason: row.reason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function scheduleRoutes(app: FastifyInstance, { service }: { service: ScheduleService }) {
  app.get<{ Params: { id: string } }>(
    '/v1/doctors/:id/schedule',
    {
      config: { permission: 'schedules.read' },
      schema: {
        tags,
        security,
        summary: "A doctor's weekly hours (local wall-clock time in the hospital's zone)",
        params: DoctorParams,
        response: { 200: Envelope(Schedule), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ok(await service.getSchedule(tenantActorOf(request).hospitalId, request.params.id)),
  );

  app.put<{ Params: { id: string }; Body: PutScheduleInput }>(
    '/v1/doctors/:id/schedule',
    {
      config: { permission: 'schedules.write' },
      schema: {
        tags,
        security,
        summary: 'Replace the weekly hours (a doctor: only their own)',
        params: DoctorParams,
        body: PutScheduleBody,
        response: { 200: Envelope(Schedule), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ok(await service.putSchedule(tenantActorOf(request), request.params.id, request.body), 'Schedule saved'),
  );

  app.post<{ Params: { id: string }; Body: CreateTimeOffInput }>(
    '/v1/doctors/:id/time-off',
    {
      config: { permission: 'schedules.write' },
      schema: {
        tags,
        security,
        summary: 'Add time off (may overlap other time off); booked appointments inside it are listed in details',
        params: DoctorParams,
        body: CreateTimeOffBody,
        response: { 201: Envelope(TimeOff, TimeOffCreatedDetails), ...errorResponses(400, 401, 403, 404) },
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

  app.get<{ Params: { id: string }; Querystring: ListTimeOffInput }>(
    '/v1/doctors/:id/time-off',
    {
      config: { permission: 'schedules.read' },
      schema: {
        tags,
        security,
        summary: "A doctor's time off, by start",
        params: DoctorParams,
        querystring: ListTimeOffQuery,
        response: { 200: ListEnvelope(TimeOff), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.listTimeOff(tenantActorOf(request).hospitalId, request.params.id, request.query);
      return page(items.map(timeOffView), nextCursor);
    },
  );

  app.delete<{ Params: { id: string; timeOffId: string } }>(
    '/v1/doctors/:id/time-off/:timeOffId',
    {
      config: { permission: 'schedules.write' },
      schema: {
        tags,
        security,
        summary: 'Remove time off',
        params: TimeOffParams,
        response: { 200: Envelope(TimeOff), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      ok(timeOffView(await service.deleteTimeOff(tenantActorOf(request), request.params.id, request.params.timeOffId)), 'Time off removed'),
  );
}
