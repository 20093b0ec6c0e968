import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ErrorEnvelope } from './envelope.ts';
import { finishDocument } from './docs-document.ts';
import { withSharedResponses } from './route-defaults.ts';

/** Every tag an operation may carry (src/http/route-defaults.ts picks them), declared once with what it groups. */
export const TAGS = [
  { name: 'hospitals', description: 'Register a hospital, its details and booking settings' },
  { name: 'members', description: "The hospital's members and invitations" },
  { name: 'subscriptions', description: 'Plans, the subscription and its usage' },
  { name: 'doctors', description: 'Doctors of the hospital' },
  { name: 'schedules', description: 'Weekly hours, time off and bookable slots' },
  { name: 'resources', description: 'Rooms and devices, their kinds and time off' },
  { name: 'visit types', description: 'Kinds of visit: length, buffers, doctors and the resources they need' },
  { name: 'patients', description: 'Patients of the hospital' },
  { name: 'appointments', description: 'Booking, rescheduling, cancelling and closing appointments' },
  { name: 'waitlist', description: 'Patients waiting for an earlier time, and the offers freed slots make them' },
  { name: 'visit notes', description: 'Versioned clinical notes of appointments (never readable by staff)' },
  { name: 'notifications', description: 'The delivery log of emails and SMS' },
  { name: 'webhooks', description: 'Signed event deliveries to the hospital\'s own endpoints (Standard Webhooks)' },
  { name: 'calendars', description: 'Secret calendar feeds of doctors\' appointments (RFC 5545)' },
  { name: 'audit', description: 'Who did what, when' },
  { name: 'fhir', description: 'FHIR R4 read and search (application/fhir+json); errors are OperationOutcome resources' },
  { name: 'public', description: "A hospital's public booking pages: no token, rate-limited per IP" },
  { name: 'admin', description: 'Platform operators (listed in platform_admins)' },
  { name: 'operations', description: 'Health probes and metrics for operators and load balancers' },
];

/** Relative: the document describes whichever deployment serves it. `x-internal: false`: the API is for outside clients. */
const SERVER = {
  url: '/',
  description: 'The deployment serving this document (local, staging or production alike); every path starts at its root',
  'x-internal': false,
};

/**
 * OpenAPI 3.1 generated from the route schemas, served at /docs/openapi.json
 * and browsable at /docs. Must be registered before the routes it documents.
 * Schemas with an `$id` become `components.schemas` under that name.
 */
export async function registerDocs(
  app: FastifyInstance,
  version: string,
  /** What Tempus sends to others: the OpenAPI 3.1 `webhooks` section and the named schemas it refers to. */
  outgoing: { webhooks: Record<string, unknown>; schemas: { $id?: string }[] } = { webhooks: {}, schemas: [] },
): Promise<void> {
  app.addSchema(ErrorEnvelope);
  for (const schema of outgoing.schemas) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tempus API',
        version,
        description:
          'Scheduling backend for hospitals and clinics. Successes are `{ data, message }` (lists add `page.nextCursor`); ' +
          'errors are `{ error, code, details }` with the codes of SPEC section 2. Every response carries `x-request-id`; ' +
          'rate-limited routes carry `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`.',
      },
      servers: [SERVER],
      tags: TAGS,
      // Built as plain JSON (src/modules/webhooks/webhook-payloads.schemas.ts); the plugin copies it as is.
      webhooks: outgoing.webhooks as never,
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'A Supabase access token (or, in embedded mode, one from `npm run token`). Verified per RFC8725: ' +
              'the algorithm is pinned per key (ES256/RS256 against the JWKS, HS256 against the project secret; `none` never), and the audience, `sub` and `exp` are required.',
          },
          metricsToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'METRICS_TOKEN, when the deployment sets one (then /metrics answers 401 without it)',
          },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (json.$id as string) || `def-${i}` },
    transform: ({ schema, url }) => ({ schema: withSharedResponses(schema), url }),
    transformObject: (documentObject) => ('openapiObject' in documentObject ? finishDocument(documentObject.openapiObject) : documentObject.swaggerObject),
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
