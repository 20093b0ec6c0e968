import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ListEnvelope, ok, page } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import { CreateWaitlistEntryBody, ListWaitlistQuery, WaitlistEntry, WaitlistEntryParams } from './waitlist.schemas.ts';
import type { WaitlistService } from './waitlist.service.ts';
import { sendAdded, waitlistEntryView } from './waitlist.views.ts';

export async function waitlistRoutes(fastify: FastifyInstance, { service }: { service: WaitlistService }) {
  const app = typedRoutes(fastify, 'waitlist');

  app.post(
    '/v1/waitlist',
    {
      config: { permission: 'waitlist.write' },
      schema: {
        operationId: 'addWaitlistEntry',
        summary: 'Put a patient on the waitlist for a doctor, a visit type or both, between two local dates',
        description:
          'When a matching slot frees (a cancellation, a reschedule away, an expired hold), the first active entry in order of joining ' +
          'gets an offer by email or SMS and the slot is held for it for the hospital setting waitlistOfferMinutes. ' +
          'Idempotent: while the patient already waits for the same doctor and visit type over any of those dates, that entry is answered ' +
          'with 200 (and nothing is added); a new entry is 201.',
        body: CreateWaitlistEntryBody,
        response: { 200: Envelope(WaitlistEntry), 201: Envelope(WaitlistEntry), ...errorResponses(404) },
      },
    },
    async (request, reply) => sendAdded(reply, await service.add(tenantActorOf(request), request.body)),
  );

  app.get(
    '/v1/waitlist',
    {
      config: { permission: 'waitlist.read' },
      schema: {
        operationId: 'listWaitlist',
        summary: 'Waitlist entries in order of joining (filters: patient, doctor, visit type, status)',
        querystring: ListWaitlistQuery,
        response: { 200: ListEnvelope(WaitlistEntry) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request), request.query);
      return page(items.map(waitlistEntryView), nextCursor);
    },
  );

  app.delete(
    '/v1/waitlist/:id',
    {
      config: { permission: 'waitlist.write' },
      schema: {
        operationId: 'removeWaitlistEntry',
        summary: 'Take an entry off the waitlist (a pending offer is withdrawn and its slot passes on)',
        params: WaitlistEntryParams,
        response: { 200: Envelope(WaitlistEntry) },
      },
    },
    async (request) => ok(waitlistEntryView(await service.remove(tenantActorOf(request), request.params.id)), 'Removed from the waitlist'),
  );
}
