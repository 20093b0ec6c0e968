import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, ListEnvelope, ok, page } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import {
  CreateResourceBody,
  CreateResourceTimeOffBody,
  ListResourcesQuery,
  ListResourceTimeOffQuery,
  Resource,
  ResourceParams,
  ResourceTimeOff,
  ResourceTimeOffParams,
  UpdateResourceBody,
} from './resources.schemas.ts';
import type { ResourceService } from './resources.service.ts';
import { resourceTimeOffView, resourceView } from './resources.views.ts';

export async function resourceRoutes(fastify: FastifyInstance, { service }: { service: ResourceService }) {
  const app = typedRoutes(fastify, 'resources');

  app.post(
    '/v1/resources',
    {
      config: { permission: 'resources.manage' },
      schema: { operationId: 'createResource', summary: 'Add a room or device of a kind', body: CreateResourceBody, response: { 201: Envelope(Resource) } },
    },
    async (request, reply) => reply.status(201).send(ok(resourceView(await service.create(tenantActorOf(request), request.body)), 'Resource created')),
  );

  app.get(
    '/v1/resources',
    {
      config: { permission: 'resources.read' },
      schema: { operationId: 'listResources', summary: "The hospital's rooms and devices, by name", querystring: ListResourcesQuery, response: { 200: ListEnvelope(Resource) } },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request), request.query);
      return page(items.map(resourceView), nextCursor);
    },
  );

  app.get(
    '/v1/resources/:id',
    {
      config: { permission: 'resources.read' },
      schema: { operationId: 'getResource', summary: 'One resource', params: ResourceParams, response: { 200: Envelope(Resource) } },
    },
    async (request) => ok(resourceView(await service.get(tenantActorOf(request), request.params.id))),
  );

  app.patch(
    '/v1/resources/:id',
    {
      config: { permission: 'resources.manage' },
      schema: {
        operationId: 'updateResource',
        summary: 'Rename a resource, change its kind, or (de)activate it; existing bookings stand',
        params: ResourceParams,
        body: UpdateResourceBody,
        response: { 200: Envelope(Resource) },
      },
    },
    async (request) => ok(resourceView(await service.update(tenantActorOf(request), request.params.id, request.body)), 'Resource updated'),
  );

  app.delete(
    '/v1/resources/:id',
    {
      config: { permission: 'resources.manage' },
      schema: {
        operationId: 'deactivateResource',
        summary: 'Deactivate a resource: kept for history, never assigned again',
        params: ResourceParams,
        response: { 200: Envelope(Resource) },
      },
    },
    async (request) => ok(resourceView(await service.deactivate(tenantActorOf(request), request.params.id)), 'Resource deactivated'),
  );

  app.post(
    '/v1/resources/:id/time-off',
    {
      config: { permission: 'resources.manage' },
      schema: {
        operationId: 'addResourceTimeOff',
        summary: 'Take a resource out of service for a while (bookings already made stand)',
        params: ResourceParams,
        body: CreateResourceTimeOffBody,
        response: { 201: Envelope(ResourceTimeOff) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(ok(resourceTimeOffView(await service.createTimeOff(tenantActorOf(request), request.params.id, request.body)), 'Time off added')),
  );

  app.get(
    '/v1/resources/:id/time-off',
    {
      config: { permission: 'resources.read' },
      schema: {
        operationId: 'listResourceTimeOff',
        summary: "A resource's time off, by start",
        params: ResourceParams,
        querystring: ListResourceTimeOffQuery,
        response: { 200: ListEnvelope(ResourceTimeOff) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.listTimeOff(tenantActorOf(request), request.params.id, request.query);
      return page(items.map(resourceTimeOffView), nextCursor);
    },
  );

  app.delete(
    '/v1/resources/:id/time-off/:timeOffId',
    {
      config: { permission: 'resources.manage' },
      schema: { operationId: 'removeResourceTimeOff', summary: "Remove a resource's time off", params: ResourceTimeOffParams, response: { 200: Envelope(ResourceTimeOff) } },
    },
    async (request) =>
      ok(resourceTimeOffView(await service.deleteTimeOff(tenantActorOf(request), request.params.id, request.params.timeOffId)), 'Time off removed'),
  );
}
