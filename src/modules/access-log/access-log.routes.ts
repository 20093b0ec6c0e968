import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { ListEnvelope, page } from '../../http/envelope.ts';
import { IdParams } from '../../http/schemas.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import { AccessEvent, AccessLogQuery } from './access-log.schemas.ts';
import type { AccessLogService } from './access-log.service.ts';

export async function accessLogRoutes(fastify: FastifyInstance, { service }: { service: AccessLogService }) {
  const app = typedRoutes(fastify, 'patients');

  app.get(
    '/v1/patients/:id/access-log',
    {
      config: { permission: 'patients.accessLog' },
      schema: {
        operationId: 'listPatientAccessLog',
        summary: "Who saw this patient's record, and when (newest first)",
        description:
          'Every read that named the patient (the record, a list or search page, their appointments, visit notes, ' +
          'deliveries, export) is one event, written in the same transaction as the read. Reading this log is itself recorded.',
        params: IdParams,
        querystring: AccessLogQuery,
        response: { 200: ListEnvelope(AccessEvent) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request), request.params.id, request.query);
      return page(items, nextCursor);
    },
  );
}
