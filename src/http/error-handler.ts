import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isUnavailableError, pgError } from '../infra/db/errors.ts';
import { DomainError, errorStatus, type ErrorCode } from '../shared/errors.ts';
import { INSTANT_RULE } from '../shared/instant.ts';
import { VISIBLE_CHARACTER, VISIBLE_RULE } from './schemas.ts';

interface ErrorBody {
  error: string;
  code: ErrorCode;
  details?: Record<string, unknown>;
}

/** Fastify's own client errors, by HTTP status, mapped to our codes. */
const byStatus: Record<number, ErrorCode> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

type AjvIssue = { instancePath?: string; schemaPath?: string; keyword?: string; message?: string; params?: Record<string, unknown> };

const listed = (values: unknown[]) => values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');

/** ajv's wording where a person needs other words (the rest of ajv's messages read well enough). */
function messageOf(issue: AjvIssue): string {
  const params = issue.params ?? {};
  if (params.additionalProperty !== undefined) return 'is not an accepted field';
  if (issue.keyword === 'required') return 'is required';
  if (issue.keyword === 'enum' && Array.isArray(params.allowedValues)) return `must be one of ${listed(params.allowedValues)}`;
  if (issue.keyword === 'const') return `must be ${listed([params.allowedValue])}`;
  if (issue.keyword === 'format' && params.format === 'date-time') return INSTANT_RULE;
  if (issue.keyword === 'pattern' && params.pattern === VISIBLE_CHARACTER) return VISIBLE_RULE;
  return issue.message ?? 'is invalid';
}

/**
 * A union (TypeBox: anyOf) fails as one error per branch and then the anyOf
 * itself: "must be equal to constant" four times for a status. ajv lists the
 * branches' errors just before their anyOf, so each anyOf folds them in:
 * - branches that only refused the value or its type (literals, null): one
 *   error naming the allowed values and types, as an enum;
 * - otherwise the value's type matched some branch: that branch's errors
 *   say what is wrong (an email that is not one), the others are noise.
 */
function collapseUnions(issues: AjvIssue[]): AjvIssue[] {
  const out: AjvIssue[] = [];
  for (const issue of issues) {
    if (issue.keyword !== 'anyOf' || !issue.schemaPath) {
      out.push(issue);
      continue;
    }
    const prefix = `${issue.schemaPath}/`;
    const branches = out.filter((b) => b.schemaPath?.startsWith(prefix));
    out.splice(0, out.length, ...out.filter((b) => !branches.includes(b)));
    const here = (b: AjvIssue) => (b.instancePath ?? '') === (issue.instancePath ?? '');
    const refusals = branches.filter((b) => here(b) && ['const', 'enum', 'type', 'union'].includes(b.keyword ?? ''));
    if (branches.length > 0 && refusals.length === branches.length) {
      const values = [...new Set(refusals.flatMap((b) => (b.keyword === 'const' ? [b.params?.allowedValue] : ((b.params?.allowedValues as unknown[]) ?? []))))];
      const types = [...new Set(refusals.flatMap((b) => (b.keyword === 'type' ? [String(b.params?.type)] : ((b.params?.types as string[]) ?? []))))];
      const message = values.length ? `must be one of ${listed(values)}${types.length ? `, or ${types.join(' or ')}` : ''}` : `must be ${types.join(' or ')}`;
      out.push({ ...issue, keyword: 'union', message, params: { allowedValues: values, types } });
      continue;
    }
    const meaningful = branches.filter((b) => !(here(b) && b.keyword === 'type'));
    out.push(...(meaningful.length ? meaningful : [issue]));
  }
  return out;
}

/** Turns schema failures into `details.fields: [{ field, message }]`, naming each field once. */
function validationDetails(err: FastifyError & { validation?: AjvIssue[]; validationContext?: string }) {
  const seen = new Set<string>();
  const fields = collapseUnions(err.validation ?? []).flatMap((issue) => {
    const base = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const extra = issue.params?.additionalProperty ?? issue.params?.missingProperty;
    const field = [base, typeof extra === 'string' ? extra : ''].filter(Boolean).join('.') || err.validationContext || 'body';
    const message = messageOf(issue);
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ field, in: err.validationContext, message }];
  });
  return { fields };
}

export function toErrorBody(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof DomainError) {
    return {
      status: errorStatus[err.code],
      body: { error: err.message, code: err.code, ...(err.details ? { details: err.details } : {}) },
    };
  }
  // SQLSTATE class 22 ("data exception": NUL bytes, out-of-range numbers,
  // unparseable values) means input the schemas let through reached the
  // database: the caller's fault, answered without echoing any SQL.
  const dbErr = pgError(err);
  if (dbErr?.code?.startsWith('22')) {
    return { status: 400, body: { error: 'A value in the request cannot be stored as given', code: 'VALIDATION_ERROR' } };
  }
  // The database (or the connection to it) is away: a 503 the client may
  // retry (with Retry-After), not a 500 — found by the fault suite
  // (test/faults), where every request during a PostgreSQL outage was a 500.
  if (isUnavailableError(err)) {
    return { status: 503, body: { error: 'The service is temporarily unavailable; try again shortly', code: 'SERVICE_UNAVAILABLE' } };
  }
  const fe = err as FastifyError & { validation?: AjvIssue[]; validationContext?: string };
  if (fe.validation) {
    const details = validationDetails(fe);
    const first = details.fields[0];
    const error = first ? `Invalid ${first.in ?? 'request'}: ${first.field} ${first.message}` : 'The request is invalid';
    return { status: 400, body: { error, code: 'VALIDATION_ERROR', details } };
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = byStatus[status] ?? 'VALIDATION_ERROR';
    const message = fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe instanceof SyntaxError ? 'The body is not valid JSON' : fe.message;
    return { status: byStatus[status] ? status : 400, body: { error: message, code } };
  }
  return { status: 500, body: { error: 'Something went wrong on our side; it has been logged', code: 'INTERNAL_ERROR' } };
}

/** True if any string in the value contains a NUL character (PostgreSQL text cannot hold one). */
function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 32 || value === null || typeof value !== 'object') return false;
  for (const [k, v] of Object.entries(value)) if (k.includes('\u0000') || hasNul(v, depth + 1)) return true;
  return false;
}

/**
 * RFC 6750 section 3: every 401 names the Bearer scheme; when a bearer token
 * was sent and refused, `error="invalid_token"` says so (clients refresh or
 * sign in again), while a request without one gets no error code.
 */
function wwwAuthenticate(authorization: string | undefined, message: string): string {
  if (!authorization || !/^Bearer\s+\S/i.test(authorization)) return 'Bearer realm="tempus"';
  // error_description allows printable ASCII but '"' and '\\'.
  const description = message.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '');
  return `Bearer realm="tempus", error="invalid_token", error_description="${description}"`;
}

/**
 * Another shape for the same errors under a path prefix (the FHIR API answers
 * OperationOutcome): the status and facts still come from toErrorBody, the
 * one mapping; a format only re-shapes the body and names its media type.
 */
export interface ErrorFormat {
  prefix: string;
  contentType: string;
  render(status: number, body: ErrorBody): unknown;
}

function shaped(formats: ErrorFormat[], url: string, status: number, body: ErrorBody): { type: string | null; payload: unknown } {
  const format = formats.find((f) => url.startsWith(f.prefix));
  return format ? { type: format.contentType, payload: format.render(status, body) } : { type: null, payload: body };
}

export function registerErrorHandling(app: FastifyInstance, formats: ErrorFormat[] = []): void {
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [['path', request.params], ['query', request.query], ['body', request.body]] as const) {
      if (hasNul(value)) {
        throw new DomainError('VALIDATION_ERROR', `The request ${part} contains a NUL character`, { fields: [{ field: part, message: 'must not contain NUL characters' }] });
      }
    }
  });
  app.setErrorHandler((err, request, reply) => {
    const { status, body } = toErrorBody(err);
    if (status === 503) {
      // A dependency is away (runbooks in docs/operations.md): one line per request, no stack.
      request.log.warn({ code: body.code, reason: (err as Error).message }, 'request refused: dependency unavailable');
    } else if (status >= 500) {
      request.log.error({ err }, 'request failed');
    } else {
      request.log.info({ code: body.code, status }, body.error);
    }
    // Waits a service knows (OTP request limits) travel as details.retryAfterSeconds.
    const retryAfter = err instanceof DomainError ? err.details?.retryAfterSeconds : undefined;
    if (typeof retryAfter === 'number' && !reply.hasHeader('retry-after')) reply.header('retry-after', String(retryAfter));
    if (status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', '5');
    if (status === 401) reply.header('www-authenticate', wwwAuthenticate(request.headers.authorization, body.error));
    const { type, payload } = shaped(formats, request.url, status, body);
    if (type) reply.type(type);
    return reply.status(status).send(payload);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = { error: `No route ${request.method} ${request.url.split('?')[0]}`, code: 'NOT_FOUND' };
    const { type, payload } = shaped(formats, request.url, 404, body);
    if (type) reply.type(type);
    return reply.status(404).send(payload);
  });
}

/**
 * Fastify's refusals before a route is found (a malformed or over-long URL:
 * FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH) in the error envelope too, not
 * Fastify's own body; pass as the `frameworkErrors` option. Found by checking
 * the fuzz suite's answers against the OpenAPI document (a 414 in another shape).
 */
export function frameworkErrors(formats: ErrorFormat[] = []) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const { status, body } = toErrorBody(err);
    reply.header('x-request-id', request.id);
    const { type, payload } = shaped(formats, request.url, status, body);
    if (type) reply.type(type);
    void reply.status(status).send(payload);
  };
}
