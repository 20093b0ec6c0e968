import type { FastifyInstance } from 'fastify';
import { actorOf, tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ListEnvelope, ok, page } from '../../http/envelope.ts';
import {
  DeadLetter,
  DeadLetterQuery,
  Delivery,
  DeliveryQuery,
  IdParams,
  type DeadLetterQueryInput,
  type DeliveryQueryInput,
} from './notifications.schemas.ts';
import type { NotificationService } from './notifications.service.ts';

export async function notificationRoutes(app: FastifyInstance, { service }: { service: NotificationService }) {
  app.get<{ Querystring: DeliveryQueryInput }>(
    '/v1/notifications',
    {
      config: { permission: 'notifications.read' },
      schema: {
        tags: ['notifications'],
        summary: "The hospital's delivery log: every email and SMS, its status and attempts (newest first)",
        security: [{ bearer: [] }],
        querystring: DeliveryQuery,
        response: { 200: ListEnvelope(Delivery), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request).hospitalId, request.query);
      return page(items, nextCursor);
    },
  );

  app.get<{ Querystring: DeadLetterQueryInput }>(
    '/v1/admin/dead-letters',
    {
      config: { auth: 'platform-admin' },
      schema: {
        tags: ['admin'],
        summary: 'Messages that will not be retried any more (newest first)',
        security: [{ bearer: [] }],
        querystring: DeadLetterQuery,
        response: { 200: ListEnvelope(DeadLetter), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.listDeadLetters(request.query);
      return page(items, nextCursor);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/admin/dead-letters/:id/replay',
    {
      config: { auth: 'platform-admin' },
      schema: {
        tags: ['admin'],
        summary: 'Send a dead message again (same message id, fresh attempts)',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: Envelope(DeadLetter), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ok(await service.replayDeadLetter(actorOf(request), request.params.id), 'Dead letter replayed'),
  );
}
