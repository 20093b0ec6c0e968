import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../src/infra/db/client.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { registerHospital, type RegisteredHospital } from '../helpers/factories.ts';
import { contractFor, type Contract } from '../helpers/contract.ts';
import { responseViolations, sendTo, startPrism, type PrismProxy } from '../helpers/prism.ts';

/**
 * OWASP API8/API4-style fuzz pass: every operation in the OpenAPI document
 * receives schema-violating input as the hospital's owner. Nothing may answer
 * 5xx, leak a stack trace or SQL, or write anything (audit events count every
 * write in Tempus, so their number must not move).
 *
 * The requests go over HTTP through Stoplight Prism as a validating proxy:
 * every answer must be one the OpenAPI document allows (Prism reports no
 * response violation, and ajv agrees: test/helpers/contract.ts), however bad
 * the request (Prism's findings about the requests are the point of the suite).
 */
let t: TestApp;
let h: RegisteredHospital;
let prism: PrismProxy;
let appUrl: string;
let contract: Contract;
type Operation = { method: string; path: string; hasBody: boolean; hasQuery: boolean; params: string[] };
let operations: Operation[] = [];

beforeAll(async () => {
  t = await createTestApp();
  h = await registerHospital(t);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as { port: number };
  contract = await contractFor(t);
  appUrl = `http://127.0.0.1:${port}`;
  prism = await startPrism(contract.document, appUrl);
  const doc = (await t.app.inject({ method: 'GET', url: '/docs/openapi.json' })).json() as {
    paths: Record<string, Record<string, { requestBody?: unknown; parameters?: { in: string }[] }>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        hasBody: Boolean(op.requestBody),
        hasQuery: Boolean(op.parameters?.some((p) => p.in === 'query')),
        params: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
      })),
  );
});
afterAll(async () => {
  await prism?.close();
  await t.close();
});

const LEAKS = /(\n\s+at |node_modules|\.ts:\d+|syntax error at|relation "|duplicate key|violates|SELECT |INSERT |stack)/i;

const hostileStrings = fc.oneof(
  fc.constantFrom('not-a-uuid', "' OR 1=1 --", '../../etc/passwd', '%00', '\u0000', 'x'.repeat(300), '-1', '9'.repeat(40), '{}', 'null'),
  fc.string({ maxLength: 40 }),
);

const hostileBody = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.dictionary(fc.string({ maxLength: 12 }), fc.anything({ maxDepth: 2 }), { maxKeys: 6 }),
  fc.record({ start: hostileStrings, doctorId: hostileStrings, patientId: hostileStrings, limit: fc.integer() }),
  fc.record({ name: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string())), email: fc.integer(), timezone: fc.constant(42) }),
);

async function auditCount(): Promise<number> {
  const rows = await rawRows<{ n: number }>(t.deps.database.db, sql`select count(*)::int as n from audit_events where hospital_id = ${h.id}`);
  return rows[0]!.n;
}

describe('schema-violating input to every documented route', () => {
  it('never answers 5xx, never leaks internals, never writes', async () => {
    expect(operations.length).toBeGreaterThan(5);
    const before = await auditCount();
    for (const op of operations) {
      if (op.path.startsWith('/docs') || op.path === '/metrics') continue;
      // An operation with no body, path or query input has nothing to violate
      // (POST /v1/hospitals/me/otp is a valid request whatever is sent).
      if (!op.hasBody && !op.hasQuery && op.params.length === 0) continue;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(hostileStrings, fc.constant(randomUUID())), { minLength: op.params.length, maxLength: op.params.length }),
          hostileBody,
          fc.dictionary(fc.constantFrom('limit', 'cursor', 'from', 'to', 'status', 'search', 'doctorId'), hostileStrings, { maxKeys: 3 }),
          async (paramValues, body, query) => {
            let url = op.path;
            op.params.forEach((name, i) => {
              url = url.replace(`{${name}}`, encodeURIComponent(paramValues[i]!));
            });
            const qs = new URLSearchParams(query).toString();
            const target = qs ? `${url}?${qs}` : url;
            const init = {
              headers: { ...h.auth, ...(op.hasBody ? { 'content-type': 'application/json' } : {}) },
              ...(op.hasBody ? { body: JSON.stringify(body) ?? 'null' } : {}),
            };
            // Prism 5.14 never forwards a PATCH whose JSON body is null, false or 0 (the request hangs):
            // those few go to the app directly and are judged by ajv alone.
            const res = op.method === 'PATCH' && !body ? await sendTo(appUrl, op.method, target, init) : await prism.send(op.method, target, init);
            const label = `${op.method} ${target} -> ${res.status} ${res.body.slice(0, 200)}`;
            expect(res.status, label).toBeLessThan(500);
            expect(res.body, label).not.toMatch(LEAKS);
            // The FHIR API answers its errors as OperationOutcome (the same code in its first issue's coding).
            const errorShape = op.path.startsWith('/fhir/')
              ? { resourceType: 'OperationOutcome', issue: expect.arrayContaining([expect.objectContaining({ details: expect.objectContaining({ coding: [expect.objectContaining({ code: expect.any(String) })] }) })]) }
              : { error: expect.any(String), code: expect.any(String) };
            if (res.status >= 400) expect(JSON.parse(res.body), label).toMatchObject(errorShape);
            expect(responseViolations(res.violations), label).toEqual([]);
            contract.check({ method: op.method, url: target, ...res });
          },
        ),
        { numRuns: 15, seed: 4242 },
      );
    }
    expect(await auditCount()).toBe(before);
  }, 240_000);
});
