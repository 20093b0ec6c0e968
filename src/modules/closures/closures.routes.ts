import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, ListEnvelope, ok, page } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import type { ClosureRow } from './closures.repo.ts';
import { Closure, ClosureParams, CreateClosureBody, ListClosuresQuery } from './closures.schemas.ts';
import type { ClosureService } from './closures.service.ts';

function closureView(row: ClosureRow): Static<typeof Closure> {
  return {
    id: row.id,
    start: row.startsAt.toISOString(),
    end: row.endsAt.toISOString(),
    reason: row.reason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function closureRoutes(fastify: FastifyInstance, { service }: { service: ClosureService }) {
  const app = typedRoutes(fastify, 'hospitals');

  app.post(
    '/v1/hospitals/me/closures',
    {
      config: { permission: 'closures.manage' },
      schema: {
        operationId: 'createClosure',
        summary: 'Close the hospital for a while: no slot is offered and nothing can be booked inside it, for any doctor or resource',
        body: CreateClosureBody,
        response: { 201: Envelope(Closure) },
      },
    },
    async (request, reply) => reply.status(201).send(ok(closureView(await service.create(tenantActorOf(request), request.body)), 'Closure added')),
  );

  app.get(
    '/v1/hospitals/me/closures',
    {
      config: { permission: 'closures.read' },
      schema: { operationId: 'listClosures', summary: "The hospital's closures, by start", querystring: ListClosuresQuery, response: { 200: ListEnvelope(Closure) } },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request), request.query);
      return page(items.map(closureView), nextCursor);
    },
  );

  app.delete(
    '/v1/hospitals/me/closures/:id',
    {
      config: { permission: 'closures.manage' },
      schema: { operationId: 'removeClosure', summary: 'Remove a closure', params: ClosureParams, response: { 200: Envelope(Closure) } },
    },
    async (request) => ok(closureView(await service.remove(tenantActorOf(request), request.params.id)), 'Closure removed'),
  );
}
