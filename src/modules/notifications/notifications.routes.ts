import type { FastifyInstance } from 'fastify';
import { actorOf, tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ListEnvelope, ok, page } from '../../http/envelope.ts';
import { IdParams } from '../../http/schemas.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import { DeadLetter, DeadLetterQuery, Delivery, DeliveryQuery } from './notifications.schemas.ts';
import type { NotificationService } from './notifications.service.ts';

export async function notificationRoutes(fastify: FastifyInstance, { service }: { service: NotificationService }) {
  const app = typedRoutes(fastify, 'notifications');

  app.get(
    '/v1/notifications',
    {
      config: { permission: 'notifications.read' },
      schema: {
        operationId: 'listDeliveries',
        summary: "The hospital's delivery log: every email and SMS, its status and attempts (newest first)",
        querystring: DeliveryQuery,
        response: { 200: ListEnvelope(Delivery) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request), request.query);
      return page(items, nextCursor);
    },
  );

  app.get(
    '/v1/admin/dead-letters',
    {
      config: { auth: 'platform-admin' },
      schema: {
        operationId: 'listDeadLetters',
        summary: 'Messages that will not be retried any more (newest first)',
        querystring: DeadLetterQuery,
        response: { 200: ListEnvelope(DeadLetter) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.listDeadLetters(request.query);
      return page(items, nextCursor);
    },
  );

  app.post(
    '/v1/admin/dead-letters/:id/replay',
    {
      config: { auth: 'platform-admin' },
      schema: {
        operationId: 'replayDeadLetter',
        summary: 'Send a dead message again (same message id, fresh attempts)',
        params: IdParams,
        response: { 200: Envelope(DeadLetter), ...errorResponses(409) },
      },
    },
    async (request) => ok(await service.replayDeadLetter(actorOf(request), request.params.id), 'Dead letter replayed'),
  );
}
