import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { errorResponses, ListEnvelope, page } from '../../http/envelope.ts';
import { AuditEvent, AuditQuery, type AuditQueryInput } from './audit.schemas.ts';
import type { AuditService } from './audit.service.ts';

export async function auditRoutes(app: FastifyInstance, { service }: { service: AuditService }) {
  app.get<{ Querystring: AuditQueryInput }>(
    '/v1/audit-events',
    {
      config: { permission: 'audit.read' },
      schema: {
        tags: ['audit'],
        summary: 'Who did what to which object, when (newest first)',
        security: [{ bearer: [] }],
        querystring: AuditQuery,
        response: { 200: ListEnvelope(AuditEvent), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request).hospitalId, request.query);
      return page(items, nextCursor);
    },
  );
}
