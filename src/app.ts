import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Deps } from './deps.ts';
import { authPlugin } from './http/auth.ts';
import { registerDocs } from './http/docs.ts';
import { registerErrorHandling } from './http/error-handler.ts';
import { healthRoutes } from './http/health.routes.ts';
import { hospitalRoutes } from './modules/hospitals/hospitals.routes.ts';
import { createHospitalService } from './modules/hospitals/hospitals.service.ts';
import { version } from './version.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface BuildAppOptions {
  /** Flipped by the server on SIGTERM so /health/ready turns 503 while draining. */
  isReady?: () => boolean;
}

/** The HTTP application over the given dependencies; nothing here opens a connection of its own. */
export async function buildApp(deps: Deps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    // Typed as Fastify's base logger so plugins see the ordinary FastifyInstance.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: config.env.BODY_LIMIT_BYTES,
    trustProxy: config.env.TRUST_PROXY,
    // Keep a caller's request id (so logs join up across services) when it is sane; otherwise mint one.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    routerOptions: { maxParamLength: 200 },
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // JSON only: other bodies are refused with 415 rather than guessed at.
  app.removeContentTypeParser('text/plain');

  registerErrorHandling(app);
  await app.register(helmet, { contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: 'same-site' } });
  await app.register(cors, {
    origin: config.env.CORS_ORIGINS.length ? config.env.CORS_ORIGINS : false,
    exposedHeaders: ['x-request-id', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
  });
  await registerDocs(app, version);
  await app.register(authPlugin, { verifier: deps.auth.verifier, db: deps.database.db });

  const startedAt = Date.now();
  await app.register(healthRoutes, {
    checks: deps.healthChecks,
    version,
    startedAt,
    isReady: options.isReady ?? (() => true),
  });
  await app.register(hospitalRoutes, { service: createHospitalService({ db: deps.database.db }) });

  return app;
}
