import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { runHealthChecks, type HealthCheck } from '../infra/observability/health.ts';
import { described, typedRoutes } from './route-defaults.ts';

export interface HealthRouteOptions {
  checks: HealthCheck[];
  version: string;
  startedAt: number;
  /** False while shutting down: readiness fails so load balancers stop sending traffic. */
  isReady: () => boolean;
}

// Checks carry adapter-specific extras (circuit state, queue names): open objects.
const Check = Type.Object(
  { status: Type.Enum(['up', 'down', 'disabled']), latencyMs: Type.Optional(Type.Number()), error: Type.Optional(Type.String()) },
  { additionalProperties: true, $id: 'HealthCheck' },
);
const Status = Type.Enum(['ok', 'degraded', 'down']);
const HealthReport = Type.Object(
  {
    status: Status,
    version: Type.String(),
    uptimeSeconds: Type.Integer(),
    checks: Type.Record(Type.String(), Check),
  },
);
const Readiness = Type.Object(
  { status: Status, reason: Type.Optional(Type.String()), checks: Type.Optional(Type.Record(Type.String(), Check)) },
);
const Liveness = Type.Object({ status: Type.Literal('ok') });

/** Not rate-limited and public: a 503 here is the report itself (the body says which check is down). */
export async function healthRoutes(fastify: FastifyInstance, opts: HealthRouteOptions) {
  const app = typedRoutes(fastify, 'operations');
  const config = { auth: 'public' as const };
  const summary = (operationId: string, text: string) => ({ operationId, summary: text });
  app.get('/health', { config, schema: { ...summary('getHealth', 'Dependency health'), response: { 200: HealthReport, 503: described(HealthReport, 'A critical dependency is down (see `checks`)') } } }, async (_request, reply) => {
    const report = await runHealthChecks(opts.checks);
    return reply.status(report.status === 'down' ? 503 : 200).send({
      status: report.status,
      version: opts.version,
      uptimeSeconds: Math.round((Date.now() - opts.startedAt) / 1000),
      checks: report.checks,
    });
  });
  app.get('/health/live', { config, schema: { ...summary('getLiveness', 'The process is alive'), response: { 200: Liveness } } }, async () => ({ status: 'ok' as const }));
  app.get('/health/ready', { config, schema: { ...summary('getReadiness', 'Ready for traffic'), response: { 200: Readiness, 503: described(Readiness, 'Not ready: shutting down (`reason`) or a critical dependency is down (`checks`)') } } }, async (_request, reply) => {
    if (!opts.isReady()) return reply.status(503).send({ status: 'down', reason: 'shutting down' });
    const report = await runHealthChecks(opts.checks.filter((c) => c.critical));
    return reply.status(report.status === 'down' ? 503 : 200).send({ status: report.status, checks: report.checks });
  });
}
