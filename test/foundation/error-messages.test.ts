/**
 * Error messages a person understands, on every route the OpenAPI document
 * lists (so a new route is covered without editing this file):
 *
 * - a value outside a set of choices (a union of literals or an enum) names
 *   the choices once: "status must be one of scheduled, completed, ...",
 *   never ajv's "must be equal to constant" per choice;
 * - an instant without an offset says that an offset is required;
 * - a name made only of invisible characters is refused, naming the field;
 * - a body refused for a `__proto__` or `constructor` key says so, instead of
 *   "not valid JSON".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTANT_RULE } from '../../src/shared/instant.ts';
import type { TestApp } from '../helpers/app.ts';
import { newPlatformAdmin, type TestUser } from '../helpers/member-factories.ts';
import {
  type AppRoute,
  callAs,
  callerOf,
  fillPath,
  findRoute,
  idFor,
  type OpenApiOperation,
  sampleQuery,
  type SecurityWorld,
  securityWorld,
  startInventoriedApp,
  validBody,
} from '../helpers/security-factories.ts';

let t: TestApp;
let w: SecurityWorld;
let operator: TestUser;
let ops: OpenApiOperation[];
let routes: AppRoute[];

beforeAll(async () => {
  ({ t, ops, routes } = await startInventoriedApp({ env: { RATE_LIMIT_ENABLED: 'false' } }));
  w = await securityWorld(t, 'msg');
  operator = await newPlatformAdmin(t);
});
afterAll(async () => {
  await t?.close();
});

type Schema = { anyOf?: Schema[]; enum?: unknown[]; const?: unknown; type?: string; format?: string; properties?: Record<string, Schema> };

/** The string choices of a schema that is a set of literals (anyOf of const/enum, or an enum), else null. */
function choicesOf(schema: Schema | undefined): string[] | null {
  if (!schema) return null;
  if (Array.isArray(schema.enum)) return schema.enum.every((v) => typeof v === 'string') ? (schema.enum as string[]) : null;
  if ('const' in schema) return typeof schema.const === 'string' ? [schema.const] : null;
  if (schema.anyOf) {
    const parts = schema.anyOf.map(choicesOf);
    return parts.every((p) => p !== null) ? parts.flat() as string[] : null;
  }
  return null;
}

interface Case {
  label: string;
  field: string;
  send: (value: string) => Promise<{ statusCode: number; json: () => { error: string; code: string; details?: { fields?: { field: string; message: string }[] } } }>;
  schema: Schema;
}

/** Every top-level body field and query parameter of every documented operation, with a way to send a value for it. */
function fieldCases(): Case[] {
  const cases: Case[] = [];
  for (const op of ops) {
    const route = findRoute(routes, op);
    const caller = callerOf(w, route, operator);
    const url = fillPath(op.path, (param, segment) => idFor(w, param, segment, op.path));
    const query = sampleQuery(op.method, op.path);
    for (const p of op.parameters.filter((x) => x.in === 'query')) {
      cases.push({
        label: `${op.method} ${op.path} ?${p.name}`,
        field: p.name,
        schema: (p.schema ?? {}) as Schema,
        send: (value) => callAs(t, caller, op.method, `${url}${query ? `${query}&` : '?'}${p.name}=${encodeURIComponent(value)}`),
      });
    }
    const bodySchema = op.requestBody?.content?.['application/json']?.schema as Schema | undefined;
    const body = validBody(w, op.method, op.path);
    if (!bodySchema?.properties || !body) continue;
    for (const [name, schema] of Object.entries(bodySchema.properties)) {
      cases.push({
        label: `${op.method} ${op.path} body.${name}`,
        field: name,
        schema,
        send: (value) => callAs(t, caller, op.method, url + query, { ...body, [name]: value }),
      });
    }
  }
  return cases;
}

type Outcome = { resourceType: 'OperationOutcome'; issue: { diagnostics: string; expression?: string[]; details?: { coding?: { code: string }[] } }[] };
type EnvelopeBody = ReturnType<Case['send']> extends Promise<{ json: () => infer B }> ? B : never;

/** The FHIR routes answer the same error as an OperationOutcome (first issue: the sentence; one issue per field): read back as the envelope. */
function asEnvelope(body: EnvelopeBody | Outcome): EnvelopeBody {
  if (!('resourceType' in body)) return body;
  const [first, ...fields] = body.issue;
  return {
    error: first!.diagnostics,
    code: first!.details?.coding?.[0]?.code ?? '',
    details: { fields: fields.map((i) => ({ field: i.expression![0]!, in: 'querystring', message: i.diagnostics.slice(`${i.expression![0]} `.length) })) },
  };
}

describe('error messages', () => {
  it('names the allowed values once for every choice field of every route', async () => {
    const choiceCases = fieldCases().filter((c) => choicesOf(c.schema));
    // status (appointments, invitations, subscriptions), role, notificationChannel, interval, ...
    expect(choiceCases.length).toBeGreaterThanOrEqual(6);
    for (const c of choiceCases) {
      const res = await c.send('not-a-choice');
      expect(res.statusCode, c.label).toBe(400);
      const body = asEnvelope(res.json());
      const choices = choicesOf(c.schema)!;
      const expected = choices.length === 1 ? `must be ${choices[0]}` : `must be one of ${choices.join(', ')}`;
      expect(body.details?.fields, c.label).toEqual([{ field: c.field, in: expect.any(String), message: expected }]);
      // Escaped: a choice may hold regex characters (application/fhir+json).
      expect(body.error, c.label).toMatch(new RegExp(`: ${c.field} ${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
      expect(JSON.stringify(body), c.label).not.toMatch(/equal to constant|allowed values|anyOf/);
    }
  });

  it('says an instant needs an offset, for every instant field of every route', async () => {
    const instantCases = fieldCases().filter((c) => c.schema.format === 'date-time');
    // time off start/end and from/to, appointment start, reschedule start, audit from/to, subscription period end
    expect(instantCases.length).toBeGreaterThanOrEqual(8);
    for (const c of instantCases) {
      const res = await c.send('2027-03-15T09:00:00');
      expect(res.statusCode, c.label).toBe(400);
      const body = res.json();
      expect(body.error, c.label).toMatch(new RegExp(`: ${c.field} ${INSTANT_RULE.replace(/[+.]/g, '\\$&')}$`));
      expect(body.error).toContain('with an offset, e.g. 2027-03-15T09:00:00+01:00');
      expect(body.details?.fields?.[0]).toMatchObject({ field: c.field, message: INSTANT_RULE });
    }
  });

  it('refuses a name made only of invisible characters on every route that takes one, naming the field', async () => {
    const nameCases = fieldCases().filter((c) => c.label.endsWith('body.name'));
    // hospital (create, update), doctor (create, update), patient (create, update), plan (create, update)
    expect(nameCases.length).toBeGreaterThanOrEqual(6);
    for (const invisible of ['   ', '\u200b\u200b', '\u200d\ufeff', '\u00a0\u3164', '\t\u2800\u202e']) {
      for (const c of nameCases) {
        const res = await c.send(invisible);
        expect(res.statusCode, `${c.label} ${JSON.stringify(invisible)}`).toBe(400);
        expect(res.json().details?.fields, c.label).toEqual([
          { field: 'name', in: 'body', message: 'must contain a visible character, not only spaces or invisible characters' },
        ]);
      }
    }
    // A visible name with invisible characters around it is a name.
    const ok = await callAs(t, w.owner, 'POST', '/v1/patients', { name: '\u200bZoë 李\u200b' });
    expect(ok.statusCode).toBe(201);
  });

  it('says which key refused a body, instead of "not valid JSON"', async () => {
    const post = (payload: string) =>
      t.app.inject({ method: 'POST', url: '/v1/patients', headers: { ...w.owner.auth, 'content-type': 'application/json' }, payload });
    for (const [payload, key] of [
      ['{"name":"Pat","__proto__":{"admin":true}}', '__proto__'],
      ['{"name":"Pat","email":{"__proto__":{"x":1}}}', '__proto__'],
      ['{"name":"Pat","constructor":{"prototype":{"admin":true}}}', 'constructor'],
    ] as const) {
      const res = await post(payload);
      expect(res.statusCode, payload).toBe(400);
      expect(res.json()).toEqual({
        error: `Invalid body: ${key} is a key that is never accepted: it could change how objects behave on the server`,
        code: 'VALIDATION_ERROR',
        details: { fields: [{ field: key, in: 'body', message: 'is a key that is never accepted: it could change how objects behave on the server' }] },
      });
    }
    // Broken JSON is still called that, and an empty JSON body is refused as before.
    expect((await post('{"name":')).json()).toEqual({ error: 'The body is not valid JSON', code: 'VALIDATION_ERROR' });
    expect((await post('')).statusCode).toBe(400);
    // A key merely named like a property of Object is an unknown field, as any other.
    const plain = await post('{"name":"Pat","constructor":"x"}');
    expect(plain.json().details.fields).toEqual([{ field: 'constructor', in: 'body', message: 'is not an accepted field' }]);
  });

  it('collapses nested choices too, and keeps the useful branch of a nullable field', async () => {
    const day = await callAs(t, w.owner, 'PUT', `/v1/doctors/${w.ids.doctor}/schedule`, { weekly: [{ day: 'funday', start: '09:00', end: '17:00' }] });
    expect(day.json().details.fields).toEqual([
      { field: 'weekly.0.day', in: 'body', message: 'must be one of monday, tuesday, wednesday, thursday, friday, saturday, sunday' },
    ]);
    // email: string (format email) or null: a bad address is reported as one, not as "must be null".
    const email = await callAs(t, w.owner, 'PATCH', `/v1/patients/${w.ids.patient}`, { email: 'not-an-address' });
    expect(email.json().details.fields).toEqual([{ field: 'email', in: 'body', message: 'must match format "email"' }]);
    const wrongType = await callAs(t, w.owner, 'PATCH', `/v1/patients/${w.ids.patient}`, { email: 42 });
    expect(wrongType.json().details.fields).toEqual([{ field: 'email', in: 'body', message: 'must be string or null' }]);
  });
});
