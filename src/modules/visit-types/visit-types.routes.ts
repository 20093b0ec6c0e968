import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ListEnvelope, ok, page } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import {
  CreateVisitTypeBody,
  ListVisitTypesQuery,
  PublicVisitType,
  PublicVisitTypesParams,
  PublicVisitTypesQuery,
  UpdateVisitTypeBody,
  VisitType,
  VisitTypeParams,
} from './visit-types.schemas.ts';
import type { VisitTypeService } from './visit-types.service.ts';
import { publicVisitTypeView, visitTypeView } from './visit-types.views.ts';

export async function visitTypeRoutes(fastify: FastifyInstance, { service }: { service: VisitTypeService }) {
  const app = typedRoutes(fastify, 'visit types');

  app.post(
    '/v1/visit-types',
    {
      config: { permission: 'visitTypes.manage' },
      schema: {
        operationId: 'createVisitType',
        summary: 'Describe a kind of visit: length, buffers, the doctors who offer it and the resource kinds it needs',
        body: CreateVisitTypeBody,
        response: { 201: Envelope(VisitType), ...errorResponses(404, 422) },
      },
    },
    async (request, reply) => reply.status(201).send(ok(visitTypeView(await service.create(tenantActorOf(request), request.body)), 'Visit type created')),
  );

  app.get(
    '/v1/visit-types',
    {
      config: { permission: 'visitTypes.read' },
      schema: { operationId: 'listVisitTypes', summary: "The hospital's visit types, by name", querystring: ListVisitTypesQuery, response: { 200: ListEnvelope(VisitType) } },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request), request.query);
      return page(items.map(visitTypeView), nextCursor);
    },
  );

  app.get(
    '/v1/visit-types/:id',
    {
      config: { permission: 'visitTypes.read' },
      schema: { operationId: 'getVisitType', summary: 'One visit type', params: VisitTypeParams, response: { 200: Envelope(VisitType) } },
    },
    async (request) => ok(visitTypeView(await service.get(tenantActorOf(request), request.params.id))),
  );

  app.patch(
    '/v1/visit-types/:id',
    {
      config: { permission: 'visitTypes.manage' },
      schema: {
        operationId: 'updateVisitType',
        summary: 'Change a visit type (booked appointments keep the length and buffers they were booked with)',
        params: VisitTypeParams,
        body: UpdateVisitTypeBody,
        response: { 200: Envelope(VisitType), ...errorResponses(422) },
      },
    },
    async (request) => ok(visitTypeView(await service.update(tenantActorOf(request), request.params.id, request.body)), 'Visit type updated'),
  );

  app.delete(
    '/v1/visit-types/:id',
    {
      config: { permission: 'visitTypes.manage' },
      schema: { operationId: 'deactivateVisitType', summary: 'Deactivate a visit type: no new bookings of it', params: VisitTypeParams, response: { 200: Envelope(VisitType) } },
    },
    async (request) => ok(visitTypeView(await service.deactivate(tenantActorOf(request), request.params.id)), 'Visit type deactivated'),
  );

  app.get(
    '/v1/public/hospitals/:subdomain/visit-types',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'listPublicVisitTypes',
        summary: "A hospital's visit types bookable online",
        params: PublicVisitTypesParams,
        querystring: PublicVisitTypesQuery,
        response: { 200: ListEnvelope(PublicVisitType) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.listPublic(request.params.subdomain, request.query);
      return page(items.map(publicVisitTypeView), nextCursor);
    },
  );
}
