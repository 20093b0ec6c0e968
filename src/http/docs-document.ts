import { STATUS_CODES } from 'node:http';
import { acceptsEmptyObject } from './route-defaults.ts';

/**
 * The last touches on the document @fastify/swagger generates, for what it
 * cannot say itself:
 * - a request body whose fields are all optional is not required (it marks
 *   every body required);
 * - the response headers and error answers every route shares are defined
 *   once, in `components.headers` and `components.responses`, and referred
 *   to (it can only inline them, which repeats each one on every operation).
 */

type Json = Record<string, unknown>;
type Response = { description?: string; headers?: Record<string, Json>; content?: Record<string, { schema?: Json }> };
type Operation = { requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> }; responses?: Record<string, Response | Json> };
export type OpenApiDocument = {
  paths?: Record<string, Record<string, Operation>>;
  components?: { headers?: Record<string, Json>; responses?: Record<string, Json> } & Json;
};

const pascal = (text: string) => text.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_m, _sep, c: string) => c.toUpperCase());

function operations(doc: OpenApiDocument): Operation[] {
  return Object.values(doc.paths ?? {}).flatMap((item) => Object.values(item));
}

function markOptionalBodies(doc: OpenApiDocument): void {
  for (const op of operations(doc)) {
    if (op.requestBody && acceptsEmptyObject(op.requestBody.content?.['application/json']?.schema)) op.requestBody.required = false;
  }
}

/** Moves `value` under `components[kind][name]` and returns the reference, unless another definition already holds that name. */
function hoist(doc: OpenApiDocument, kind: 'headers' | 'responses', name: string, value: Json): Json {
  const components = (doc.components ??= {});
  const bucket = (components[kind] ??= {}) as Record<string, Json>;
  const existing = bucket[name];
  if (existing && JSON.stringify(existing) !== JSON.stringify(value)) return value;
  bucket[name] = value;
  return { $ref: `#/components/${kind}/${name}` };
}

function hoistShared(doc: OpenApiDocument): void {
  for (const op of operations(doc)) {
    for (const [status, response] of Object.entries(op.responses ?? {})) {
      const r = response as Response;
      for (const [name, header] of Object.entries(r.headers ?? {})) {
        r.headers![name] = hoist(doc, 'headers', name, header);
      }
      const schema = r.content?.['application/json']?.schema;
      if (Number(status) >= 400 && schema?.$ref === '#/components/schemas/ErrorEnvelope') {
        // One shared answer per status and kind of route: public or not, rate-limited or not (their headers differ).
        const variant = (r.headers?.['Cache-Control'] ? '' : 'Public') + (r.headers?.['RateLimit-Limit'] ? '' : 'NotRateLimited');
        const name = pascal(STATUS_CODES[Number(status)] ?? `Status ${status}`) + variant;
        op.responses![status] = hoist(doc, 'responses', name, r as Json);
      }
    }
  }
}

export function finishDocument<T>(document: T): T {
  const doc = document as OpenApiDocument;
  markOptionalBodies(doc);
  hoistShared(doc);
  return document;
}
