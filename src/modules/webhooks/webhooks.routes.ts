import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ListEnvelope, ok, page } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import {
  CreateWebhookBody,
  ListWebhookDeliveriesQuery,
  ListWebhooksQuery,
  UpdateWebhookBody,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryParams,
  WebhookParams,
  WebhookSecret,
  WebhookWithSecret,
} from './webhooks.schemas.ts';
import type { WebhookService } from './webhooks.service.ts';

export async function webhookRoutes(fastify: FastifyInstance, { service }: { service: WebhookService }) {
  const app = typedRoutes(fastify, 'webhooks');
  const permission = 'webhooks.manage' as const;

  app.post(
    '/v1/webhooks',
    {
      config: { permission },
      schema: {
        operationId: 'createWebhook',
        summary: 'Subscribe an endpoint to events; the answer holds its signing secret, shown this once',
        body: CreateWebhookBody,
        response: { 201: Envelope(WebhookWithSecret) },
      },
    },
    async (request, reply) => reply.status(201).send(ok(await service.create(tenantActorOf(request), request.body), 'Webhook created')),
  );

  app.get(
    '/v1/webhooks',
    {
      config: { permission },
      schema: { operationId: 'listWebhooks', summary: "The hospital's webhook endpoints (newest first)", querystring: ListWebhooksQuery, response: { 200: ListEnvelope(Webhook) } },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request), request.query);
      return page(items, nextCursor);
    },
  );

  app.get(
    '/v1/webhooks/:id',
    { config: { permission }, schema: { operationId: 'getWebhook', summary: 'One webhook endpoint (never its secret)', params: WebhookParams, response: { 200: Envelope(Webhook) } } },
    async (request) => ok(await service.get(tenantActorOf(request), request.params.id)),
  );

  app.patch(
    '/v1/webhooks/:id',
    {
      config: { permission },
      schema: {
        operationId: 'updateWebhook',
        summary: 'Change the URL, the events, or switch the endpoint off and on (on again after Tempus disabled it)',
        params: WebhookParams,
        body: UpdateWebhookBody,
        response: { 200: Envelope(Webhook) },
      },
    },
    async (request) => ok(await service.update(tenantActorOf(request), request.params.id, request.body), 'Webhook updated'),
  );

  app.delete(
    '/v1/webhooks/:id',
    {
      config: { permission },
      schema: { operationId: 'deleteWebhook', summary: 'Remove an endpoint; nothing more is sent to it', params: WebhookParams, response: { 200: Envelope(Webhook) } },
    },
    async (request) => ok(await service.remove(tenantActorOf(request), request.params.id), 'Webhook deleted'),
  );

  app.post(
    '/v1/webhooks/:id/rotate-secret',
    {
      config: { permission },
      schema: {
        operationId: 'rotateWebhookSecret',
        summary: 'A new signing secret (shown once); the old one keeps signing beside it for WEBHOOK_ROTATION_WINDOW_HOURS',
        params: WebhookParams,
        response: { 200: Envelope(WebhookSecret) },
      },
    },
    async (request) => ok(await service.rotateSecret(tenantActorOf(request), request.params.id), 'Secret rotated'),
  );

  app.post(
    '/v1/webhooks/:id/test',
    {
      config: { permission },
      schema: {
        operationId: 'testWebhook',
        summary: 'Send a webhook.test event to this endpoint (through the outbox, like every event)',
        params: WebhookParams,
        response: { 202: Envelope(WebhookDelivery), ...errorResponses(409) },
      },
    },
    async (request, reply) => reply.status(202).send(ok(await service.sendTest(tenantActorOf(request), request.params.id), 'Test event queued')),
  );

  app.get(
    '/v1/webhooks/:id/deliveries',
    {
      config: { permission },
      schema: {
        operationId: 'listWebhookDeliveries',
        summary: "The endpoint's deliveries, newest first: attempts, last HTTP status, next attempt",
        params: WebhookParams,
        querystring: ListWebhookDeliveriesQuery,
        response: { 200: ListEnvelope(WebhookDelivery) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.deliveries(tenantActorOf(request), request.params.id, request.query);
      return page(items, nextCursor);
    },
  );

  app.post(
    '/v1/webhooks/:id/deliveries/:deliveryId/retry',
    {
      config: { permission },
      schema: {
        operationId: 'retryWebhookDelivery',
        summary: 'Send a failed or dead delivery again now (same webhook-id)',
        params: WebhookDeliveryParams,
        response: { 202: Envelope(WebhookDelivery), ...errorResponses(409) },
      },
    },
    async (request, reply) =>
      reply.status(202).send(ok(await service.retryDelivery(tenantActorOf(request), request.params.id, request.params.deliveryId), 'Delivery queued again')),
  );
}
