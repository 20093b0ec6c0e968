/**
 * OWASP API9:2023 Improper Inventory Management.
 *
 * The OpenAPI document is the inventory, so it must be complete and exact:
 * - every route the app serves is documented and every documented operation
 *   is served (the docs' own static routes aside);
 * - every operation documents a JSON schema for its success response (which
 *   is also what serializes it: fields outside the schema never leave);
 * - an operation needs a bearer token exactly when its route is not public;
 * - path ids are UUIDs, `limit`s are capped at 100, and request bodies refuse
 *   unknown fields at every level.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWebAppRoute } from '../../src/http/web-app.routes.ts';
import type { TestApp } from '../helpers/app.ts';
import {
  type AppRoute,
  type OpenApiOperation,
  startInventoriedApp,
} from '../helpers/security-factories.ts';

let t: TestApp;
let ops: OpenApiOperation[];
let routes: AppRoute[];

beforeAll(async () => {
  ({ t, ops, routes } = await startInventoriedApp());
});
afterAll(async () => {
  await t.close();
});

/** Swagger UI's own routes (the page, its assets, the document itself), and the booking page's (HTML and its files, not API operations). */
const isDocsRoute = (url: string) => url === '/docs' || url.startsWith('/docs/') || isWebAppRoute(url);

/**
 * Operations whose success body is not a JSON envelope, with the reason.
 * Anything else without a response schema fails the suite.
 */
const NO_RESPONSE_SCHEMA: Record<string, string> = {
  'GET /metrics': 'Prometheus text exposition format',
  'GET /calendar/{file}': 'an RFC 5545 calendar (text/calendar), for calendar apps',
};

const key = (x: { method: string; path: string }) => `${x.method} ${x.path}`;

describe('API9 inventory', () => {
  it('documents every route the app serves, and serves every documented operation', () => {
    const served = routes.filter((r) => !isDocsRoute(r.url)).map(key).sort();
    const documented = ops.filter((op) => !isDocsRoute(op.path)).map(key).sort();
    expect(served.length).toBeGreaterThanOrEqual(50);
    expect(served.filter((k) => !documented.includes(k)), 'served but not in /docs/openapi.json').toEqual([]);
    expect(documented.filter((k) => !served.includes(k)), 'documented but not served').toEqual([]);
  });

  it('gives every operation a JSON schema for its success response', () => {
    const missing = ops
      .filter((op) => !NO_RESPONSE_SCHEMA[key(op)])
      .filter((op) => {
        const success = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
        // application/json, or a JSON media type of its own: application/fhir+json (FHIR, the export) or application/fhir+ndjson ($bulk-publish files).
        const jsonSchema = (r: (typeof success)[number][1]) => Object.entries(r.content ?? {}).some(([type, c]) => /^application\/([\w.-]+\+)?(nd)?json$/.test(type) && !!c?.schema);
        return success.length === 0 || success.some(([, r]) => !jsonSchema(r));
      })
      .map(key);
    expect(missing).toEqual([]);
    // The exemptions name real operations (a stale entry is an inventory error too).
    expect(Object.keys(NO_RESPONSE_SCHEMA).filter((k) => !ops.some((op) => key(op) === k))).toEqual([]);
  });

  it('declares bearer security exactly on the routes that need a token', () => {
    const wrong = ops
      .filter((op) => !isDocsRoute(op.path))
      .filter((op) => {
        const route = routes.find((r) => key(r) === key(op))!;
        const declared = (op.security ?? []).some((s) => Object.keys(s as object).includes('bearer'));
        return declared !== (route.auth !== 'public');
      })
      .map((op) => `${key(op)} (${routes.find((r) => key(r) === key(op))!.auth})`);
    expect(wrong).toEqual([]);
  });

  it('types every path id as a UUID and caps every limit at 100', () => {
    const problems: string[] = [];
    for (const op of ops) {
      for (const p of op.parameters) {
        // FHIR ids have FHIR's own syntax (a Slot's id is not a UUID): bounded by its pattern instead.
        const fhirId = op.path.startsWith('/fhir/') && p.schema?.pattern === '^[A-Za-z0-9\\-.]{1,64}$' && p.schema?.maxLength === 64;
        // Not ids: a public page's subdomain, a calendar feed's secret file name (`<token>.ics`), a signed link's token.
        if (p.in === 'path' && p.name !== 'subdomain' && p.name !== 'file' && p.name !== 'token' && p.schema?.format !== 'uuid' && !fhirId) problems.push(`${key(op)} {${p.name}} is not format uuid`);
        if (p.in === 'query' && p.name === 'limit') {
          const max = p.schema?.maximum;
          if (typeof max !== 'number' || max > 100 || p.schema?.minimum !== 1) problems.push(`${key(op)} limit is not 1..100`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('refuses unknown fields at every level of every request body', () => {
    const open: string[] = [];
    let objects = 0;
    const walk = (schema: unknown, where: string) => {
      if (!schema || typeof schema !== 'object') return;
      const s = schema as Record<string, unknown>;
      if (s.type === 'object') objects++;
      if (s.type === 'object' && s.additionalProperties !== false) open.push(where);
      for (const [name, sub] of Object.entries((s.properties as Record<string, unknown>) ?? {})) walk(sub, `${where}.${name}`);
      if (s.items) walk(s.items, `${where}[]`);
      for (const k of ['anyOf', 'oneOf', 'allOf'] as const) ((s[k] as unknown[]) ?? []).forEach((sub, i) => walk(sub, `${where}(${k}${i})`));
    };
    for (const op of ops.filter((o) => o.requestBody)) walk(op.requestBody!.content?.['application/json']?.schema, key(op));
    expect(objects).toBeGreaterThanOrEqual(25);
    expect(open).toEqual([]);
  });
});
