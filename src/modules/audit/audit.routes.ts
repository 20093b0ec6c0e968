import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { ListEnvelope, page } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import { AuditEvent, AuditQuery } from './audit.schemas.ts';
import type { AuditService } from './audit.service.ts';

export async function auditRoutes(fastify: FastifyInstance, { service }: { service: AuditService }) {
  const app = typedRoutes(fastify, 'audit');

  app.get(
    '/v1/audit-events',
    {
      config: { permission: 'audit.read' },
      schema: {
        operationId: 'listAuditEvents',
        summary: 'Who did what to which object, when (newest first)',
        querystring: AuditQuery,
        response: { 200: ListEnvelope(AuditEvent) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request).hospitalId, request.query);
      return page(items, nextCursor);
    },
  );
}
