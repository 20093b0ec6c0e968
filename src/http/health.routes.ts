import type { FastifyInstance } from 'fastify';
import { runHealthChecks, type HealthCheck } from '../infra/observability/health.ts';

export interface HealthRouteOptions {
  checks: HealthCheck[];
  version: string;
  startedAt: number;
  /** False while shutting down: readiness fails so load balancers stop sending traffic. */
  isReady: () => boolean;
}

export async function healthRoutes(app: FastifyInstance, opts: HealthRouteOptions) {
  const config = { auth: 'public' as const };
  app.get('/health', { config, schema: { tags: ['operations'], summary: 'Dependency health' } }, async (_request, reply) => {
    const report = await runHealthChecks(opts.checks);
    return reply.status(report.status === 'down' ? 503 : 200).send({
      status: report.status,
      version: opts.version,
      uptimeSeconds: Math.round((Date.now() - opts.startedAt) / 1000),
      checks: report.checks,
    });
  });
  app.get('/health/live', { config, schema: { tags: ['operations'], summary: 'The process is alive' } }, async () => ({ status: 'ok' }));
  app.get('/health/ready', { config, schema: { tags: ['operations'], summary: 'Ready for traffic' } }, async (_request, reply) => {
    if (!opts.isReady()) return reply.status(503).send({ status: 'down', reason: 'shutting down' });
    const report = await runHealthChecks(opts.checks.filter((c) => c.critical));
    return reply.status(report.status === 'down' ? 503 : 200).send({ status: report.status, checks: report.checks });
  });
}
