import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { errorStatus } from '../shared/errors.ts';
import type { AuthMode } from './auth.ts';
import { isRateLimited } from './rate-limit.ts';

/**
 * What every route has in common, filled in from its config so a route states
 * only its operationId, summary, permission (or auth mode), schemas and its
 * own errors (SPEC section 2, the OpenAPI contract):
 * - tags: the module's (`typedRoutes(app, 'doctors')`), except operators'
 *   routes ('admin') and the public booking pages ('public');
 * - security: `[]` on public routes, the bearer scheme on the rest;
 * - the answers no route chooses: 400 (any input can be refused, a NUL in any
 *   query string included), 401/403 by auth mode, 404 where the path names an
 *   object, 413/415 where a body is parsed, 429 where the rate limit applies,
 *   500, and 503 where a dependency (the database, Redis) can be down;
 * - a description and the response headers on every status;
 * - a body that accepts `{}` may be left out (it then reads as `{}`).
 *
 * The shared answers go to the document only (`withSharedResponses`, applied
 * by src/http/docs.ts): as response schemas they would cost a serializer per
 * status per route at every start, for bodies the error handler already
 * shapes. A route's own statuses stay in its schema and serialize its answers.
 */
export function typedRoutes(app: FastifyInstance, tag: string) {
  app.addHook('onRoute', (route) => applyRouteDefaults(route, tag));
  return app.withTypeProvider<TypeBoxTypeProvider>();
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type Schema = Record<string, unknown>;
type Headers = Record<string, Schema>;

const EVERY_RESPONSE: Headers = {
  'x-request-id': {
    type: 'string',
    maxLength: 128,
    description: "The request's id (the caller's own x-request-id when it is 1–128 of [A-Za-z0-9._:-], else a new UUID); the logs carry it too",
  },
  'Access-Control-Allow-Origin': {
    type: 'string',
    maxLength: 2048,
    description: "The request's Origin, echoed only when it is one of CORS_ORIGINS (absent otherwise)",
  },
};
const RATE_LIMIT: Headers = {
  'RateLimit-Limit': { type: 'integer', minimum: 0, description: 'Requests allowed in the current window' },
  'RateLimit-Remaining': { type: 'integer', minimum: 0, description: 'Requests left in the current window' },
  'RateLimit-Reset': { type: 'integer', minimum: 0, description: 'Seconds until the window starts again' },
};
const AUTHENTICATED: Headers = {
  'Cache-Control': { type: 'string', maxLength: 256, description: '`no-store`: answers to signed-in callers (patient data) must not sit in a shared cache' },
};
const CHALLENGE: Headers = {
  'WWW-Authenticate': {
    type: 'string',
    maxLength: 512,
    description: 'RFC 6750: `Bearer`, with `error="invalid_token"` when a token was sent but refused',
  },
};
const RETRY_AFTER: Headers = {
  'Retry-After': { type: 'integer', minimum: 0, description: 'Seconds to wait before trying again' },
};

const codesOf = (status: number) =>
  Object.entries(errorStatus)
    .filter(([, s]) => s === status)
    .map(([code]) => code)
    .join(', ');

/** What each error status means in this API; the codes are read from the one code table (src/shared/errors.ts). */
const ERROR_MEANING: Record<number, string> = {
  400: 'The request is invalid: `details.fields` names each field (`field`, `in`, `message`)',
  401: 'No bearer token, or one that is malformed, expired or not verifiable',
  402: "The hospital's subscription is not active (trial or period ended)",
  403: 'Signed in, but not allowed: not a member of a hospital, a role without the permission, or a plan limit',
  404: 'No such object (another hospital\'s objects are "not found" too)',
  409: 'The request conflicts with the current state',
  410: 'The invitation has expired or was withdrawn',
  413: 'The body is larger than the body limit (BODY_LIMIT_BYTES)',
  415: 'The body is not `application/json`',
  422: 'The request is well-formed but breaks a rule',
  428: 'A one-time code is required: request one, then repeat the request with it',
  429: 'Too many requests: wait `Retry-After` seconds (`details.retryAfterSeconds`)',
  500: 'Unexpected failure (a bug): logged under the x-request-id',
  503: 'A dependency (database, cache) is unavailable: retry after `Retry-After` seconds',
};

export function errorDescription(status: number): string {
  const codes = codesOf(status);
  return `${ERROR_MEANING[status] ?? 'Refused'}${codes ? ` (${codes})` : ''}`;
}

const SUCCESS_MEANING: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No content' };

/** "OK: one Doctor", "OK: a page of Doctor", from the envelope's `data` schema. */
function successDescription(status: number, schema: Schema): string {
  const data = (schema.properties as Record<string, Schema> | undefined)?.data;
  const item = data?.type === 'array' ? (data.items as Schema | undefined) : undefined;
  const name = (s: Schema | undefined) => (typeof s?.$id === 'string' ? s.$id : undefined);
  const what = item ? (name(item) ? `a page of ${name(item)}` : 'a page') : name(data) ? `the ${name(data)}` : undefined;
  return `${SUCCESS_MEANING[status] ?? 'Success'}${what ? `: ${what}` : ''}`;
}

/** True when `{}` passes the body schema (every field optional): the body may then be left out. */
export function acceptsEmptyObject(schema: Schema | undefined): boolean {
  if (!schema || schema.type !== 'object') return false;
  return !(Array.isArray(schema.required) && schema.required.length > 0) && !(typeof schema.minProperties === 'number' && schema.minProperties > 0);
}

/** A missing (or empty JSON) body reads as `{}` on routes whose fields are all optional; `{}` is then validated as usual. */
const emptyBodyAsObject = async (request: FastifyRequest) => {
  if (request.body === undefined || request.body === null) request.body = {};
};

/** The statuses a route answers whatever it does, from its auth mode, method and path. */
function sharedStatuses(route: RouteOptions, auth: AuthMode): number[] {
  const statuses = [400, 500];
  if (auth !== 'public') statuses.push(401);
  if (auth === 'tenant' || auth === 'platform-admin') statuses.push(403);
  if (route.url.includes(':')) statuses.push(404);
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (methods.some((m) => BODY_METHODS.has(m))) statuses.push(413, 415);
  if (isRateLimited(route.url)) statuses.push(429);
  if (route.url.startsWith('/v1/') || route.url.startsWith(FHIR_PREFIX)) statuses.push(503);
  return statuses;
}

/** A route's own description for one of its answers (else the status's usual one is used). */
export const described = <T extends object>(schema: T, description: string): T => ({ ...schema, 'x-response-description': description });

function describe(status: number, schema: Schema, limited: boolean, auth: AuthMode): Schema {
  const headers: Headers = {
    ...EVERY_RESPONSE,
    ...(limited ? RATE_LIMIT : {}),
    ...(auth !== 'public' ? AUTHENTICATED : {}),
    ...(status === 401 ? CHALLENGE : {}),
    // The error handler adds Retry-After to every 429 and 503 it answers.
    ...((schema.$ref || schema.content) && (status === 429 || status === 503) ? RETRY_AFTER : {}),
    ...(schema.headers as Headers | undefined),
  };
  const own = schema['x-response-description'] ?? (schema.$ref ? schema.description : undefined);
  const description = typeof own === 'string' ? own : status < 400 ? successDescription(status, schema) : errorDescription(status);
  // @fastify/swagger reads a $ref response's description from beside the $ref, any other's from x-response-description.
  return schema.$ref ? { $ref: schema.$ref, description, headers } : { ...schema, 'x-response-description': description, headers };
}

const SHARED = 'x-shared-responses';

/** The FHIR API answers its errors as OperationOutcome (src/http/error-handler.ts, ErrorFormat), in FHIR JSON. */
const FHIR_PREFIX = '/fhir/';
function errorSchemaFor(url: string, status: number): Schema {
  if (!url.startsWith(FHIR_PREFIX)) return { $ref: 'ErrorEnvelope' };
  const meaning =
    status === 400
      ? 'The request is invalid: one issue per invalid parameter, named in its `expression` (VALIDATION_ERROR)'
      : errorDescription(status);
  return {
    content: { 'application/fhir+json': { schema: { $ref: 'OperationOutcome' } } },
    'x-response-description': `${meaning}; as an OperationOutcome whose first issue carries the code in \`details.coding\``,
  };
}

/** The route's schema as the document shows it: its own answers plus the shared ones. */
export function withSharedResponses<T extends object>(schema: T): T {
  const { [SHARED]: shared, ...rest } = schema as Schema;
  if (!shared) return schema;
  return { ...rest, response: { ...(shared as Schema), ...(rest.response as Schema | undefined) } } as T;
}

export function applyRouteDefaults(route: RouteOptions, tag: string): void {
  const schema = (route.schema ??= {}) as Schema & NonNullable<RouteOptions['schema']>;
  if (schema.hide || route.method === 'HEAD') return;
  const label = `${String(route.method)} ${route.url}`;
  if (!schema.operationId || !schema.summary) throw new Error(`${label}: every route states its operationId and summary`);
  const auth: AuthMode = route.config?.auth ?? 'tenant';
  const limited = isRateLimited(route.url);

  schema.tags ??= [auth === 'platform-admin' ? 'admin' : route.url.startsWith('/v1/public/') ? 'public' : tag];
  schema.security ??= auth === 'public' ? [] : [{ bearer: [] }];

  const own = (schema.response as Record<string, Schema> | undefined) ?? {};
  schema.response = Object.fromEntries(Object.entries(own).map(([status, entry]) => [status, describe(Number(status), entry, limited, auth)]));
  schema[SHARED] = Object.fromEntries(
    sharedStatuses(route, auth)
      .filter((status) => !(status in own))
      .map((status) => [status, describe(status, errorSchemaFor(route.url, status), limited, auth)]),
  );

  if (acceptsEmptyObject(schema.body as Schema | undefined)) {
    const existing = route.preValidation;
    route.preValidation = [emptyBodyAsObject, ...(existing ? (Array.isArray(existing) ? existing : [existing]) : [])];
  }
}
