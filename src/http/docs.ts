import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ErrorEnvelope } from './envelope.ts';

/**
 * OpenAPI 3.1 generated from the route schemas, served at /docs/openapi.json
 * and browsable at /docs. Must be registered before the routes it documents.
 */
export async function registerDocs(app: FastifyInstance, version: string): Promise<void> {
  app.addSchema(ErrorEnvelope);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tempus API',
        version,
        description: 'Scheduling backend for hospitals and clinics. Errors use `{ error, code, details }`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (json.$id as string) || `def-${i}` },
  });
  // The docs routes come from a plugin that cannot take our route config, so
  // this encapsulated context marks every route in it public.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), auth: 'public' };
    });
    await docs.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
    docs.get('/docs/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  });
}
