import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from '../infra/observability/metrics.ts';
import { unauthorized } from '../shared/errors.ts';
import { errorResponses } from './envelope.ts';
import { typedRoutes } from './route-defaults.ts';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * GET /metrics in Prometheus text format, optionally behind a bearer token
 * (METRICS_TOKEN). Request durations are labelled by route pattern, never by
 * raw URL, so ids in paths cannot explode the series count.
 */
export const metricsRoutes = fp(
  async (app: FastifyInstance, opts: { metrics: Metrics; token?: string }) => {
  const { metrics, token } = opts;
  // A callback hook, not an async one: it runs on every response and needs no promise. prom-client's observe with the
  // labels object is its cheapest path (a cached labels() child validates and hashes the same per call: 0.32 vs
  // 0.33 µs measured, docs/performance.md "hospitals/me: the hook chain").
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route !== '/metrics') {
      metrics.httpRequestDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    }
    done();
  });
  // Its own context: this plugin is global for the hook above, its route takes the operations defaults.
  await app.register(async (scope) => {
    typedRoutes(scope, 'operations').get(
      '/metrics',
      {
        config: { auth: 'public' },
        schema: {
          operationId: 'getMetrics',
          summary: 'Prometheus metrics',
          // Open, or behind METRICS_TOKEN when the deployment sets one.
          security: [{}, { metricsToken: [] }],
          response: {
            200: {
              'x-response-description': 'The Prometheus text exposition format (version 0.0.4)',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            ...errorResponses(401),
          },
        },
      },
      async (request, reply) => {
        if (token) {
          const header = request.headers.authorization ?? '';
          if (!sameSecret(header, `Bearer ${token}`)) throw unauthorized('/metrics needs the METRICS_TOKEN bearer token');
        }
        return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
      },
    );
  });
},
  { name: 'tempus-metrics' },
);
