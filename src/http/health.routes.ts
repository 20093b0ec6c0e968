import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { runHealthChecks, type HealthCheck } from '../infra/observability/health.ts';

export interface HealthRouteOptions {
  checks: HealthCheck[];
  version: string;
  startedAt: number;
  /** False while shutting down: readiness fails so load balancers stop sending traffic. */
  isReady: () => boolean;
}

// Checks carry adapter-specific extras (circuit state, queue names): open objects.
const Check = Type.Object(
  { status: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('disabled')]), latencyMs: Type.Optional(Type.Number()), error: Type.Optional(Type.String()) },
  { additionalProperties: true },
);
const Status = Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]);
const HealthReport = Type.Object({
  status: Status,
  version: Type.String(),
  uptimeSeconds: Type.Integer(),
  checks: Type.Record(Type.String(), Check),
});
const Ready = Type.Object({ status: Status, reason: Type.Optional(Type.String()), checks: Type.Optional(Type.Record(Type.String(), Check)) });

export async function healthRoutes(app: FastifyInstance, opts: HealthRouteOptions) {
  const config = { auth: 'public' as const };
  app.get('/health', { config, schema: { tags: ['operations'], summary: 'Dependency health', response: { 200: HealthReport, 503: HealthReport } } }, async (_request, reply) => {
    const report = await runHealthChecks(opts.checks);
    return reply.status(report.status === 'down' ? 503 : 200).send({
      status: report.status,
      version: opts.version,
      uptimeSeconds: Math.round((Date.now() - opts.startedAt) / 1000),
      checks: report.checks,
    });
  });
  app.get('/health/live', { config, schema: { tags: ['operations'], summary: 'The process is alive', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({ status: 'ok' }));
  app.get('/health/ready', { config, schema: { tags: ['operations'], summary: 'Ready for traffic', response: { 200: Ready, 503: Ready } } }, async (_request, reply) => {
    if (!opts.isReady()) return reply.status(503).send({ status: 'down', reason: 'shutting down' });
    const report = await runHealthChecks(opts.checks.filter((c) => c.critical));
    return reply.status(report.status === 'down' ? 503 : 200).send({ status: report.status, checks: report.checks });
  });
}
