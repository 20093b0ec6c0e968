/**
 * OWASP API3:2023 Broken Object Property Level Authorization (mass
 * assignment and excessive data exposure).
 *
 * In: every documented request body is sent valid plus one protected field
 * it does not declare (hospitalId, id, createdAt, status, role, active,
 * version, planId, isPlatformAdmin, ...): 400 VALIDATION_ERROR naming the
 * field, and nothing stored. Fields a route legitimately takes (`role` of an
 * invitation, `active` of a doctor) are read from the route's own schema.
 *
 * Out: no response of any GET route, nor of the writes that handle secrets,
 * carries a secret (SERVER_SECRET, invitation tokens or their hashes, OTP
 * hashes, the JWT secret) or a field named like one.
 */
import { createHash, createHmac } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../src/infra/db/client.ts';
import type { TestApp } from '../helpers/app.ts';
import { daysAheadAt } from '../helpers/appointment-factories.ts';
import { uniqueEmail } from '../helpers/factories.ts';
import { addMember, invitationToken, newPlatformAdmin, newUser, type TestUser } from '../helpers/member-factories.ts';
import {
  type AppRoute,
  bodyProperties,
  callAs,
  callerOf,
  fillPath,
  findRoute,
  hospitalDigest,
  idFor,
  type OpenApiOperation,
  sampleQuery,
  type SecurityWorld,
  securityWorld,
  startInventoriedApp,
  validBody,
} from '../helpers/security-factories.ts';
import { injectChecked } from '../helpers/contract.ts';

let t: TestApp;
let w: SecurityWorld;
let other: SecurityWorld;
let operator: TestUser;
let ops: OpenApiOperation[];
let routes: AppRoute[];

beforeAll(async () => {
  ({ t, ops, routes } = await startInventoriedApp());
  w = await securityWorld(t, 'w');
  other = await securityWorld(t, 'o');
  operator = await newPlatformAdmin(t);
});
afterAll(async () => {
  await t.close();
});

const routeOf = (op: OpenApiOperation) => findRoute(routes, op);
const urlOf = (op: OpenApiOperation) => fillPath(op.path, (param, segment) => idFor(w, param, segment, op.path)) + sampleQuery(op.method, op.path);

/** Fields a client never sets: the server owns them. */
const PROTECTED: Record<string, () => unknown> = {
  id: () => crypto.randomUUID(),
  hospitalId: () => other.hospital.id,
  hospital_id: () => other.hospital.id,
  userId: () => other.owner.userId,
  createdAt: () => '2000-01-01T00:00:00.000Z',
  updatedAt: () => '2000-01-01T00:00:00.000Z',
  status: () => 'completed',
  role: () => 'owner',
  active: () => false,
  version: () => 99,
  planId: () => crypto.randomUUID(),
  isPlatformAdmin: () => true,
  tokenHash: () => 'f'.repeat(64),
  deactivatedAt: () => null,
};

describe('API3 mass assignment', () => {
  it('refuses every protected field a body does not declare, with 400 naming it, and stores nothing', async () => {
    const bodyOps = ops.filter((op) => op.requestBody);
    expect(bodyOps.length).toBeGreaterThanOrEqual(20);
    const missing = bodyOps.filter((op) => !validBody(w, op.method, op.path)).map((op) => `${op.method} ${op.path}`);
    expect(missing, 'add a valid sample body to validBody() in test/helpers/security-factories.ts').toEqual([]);

    const before = { w: await hospitalDigest(t, w.hospital.id), other: await hospitalDigest(t, other.hospital.id) };
    const failures: string[] = [];
    let checked = 0;
    for (const op of bodyOps) {
      const declared = new Set(bodyProperties(op));
      const caller = callerOf(w, routeOf(op), operator);
      for (const [field, value] of Object.entries(PROTECTED)) {
        if (declared.has(field)) continue;
        const payload = { ...validBody(w, op.method, op.path), [field]: value() };
        const res = await callAs(t, caller, op.method, urlOf(op), payload);
        checked++;
        const body = res.json() as { code?: string; details?: { fields?: { field: string }[] } };
        if (res.statusCode !== 400 || body.code !== 'VALIDATION_ERROR' || !body.details?.fields?.some((f) => f.field === field)) {
          failures.push(`${op.method} ${op.path} + ${field} -> ${res.statusCode} ${res.body.slice(0, 160)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(200);
    expect(await hospitalDigest(t, w.hospital.id)).toEqual(before.w);
    expect(await hospitalDigest(t, other.hospital.id)).toEqual(before.other);
  });

  it('books no appointment with a client-chosen status, id or hospital', async () => {
    const count = async () =>
      (await rawRows<{ n: number }>(t.deps.database.db, sql`select count(*)::int as n from appointments where hospital_id in (${w.hospital.id}, ${other.hospital.id})`))[0]!.n;
    const before = await count();
    const base = { doctorId: w.ids.doctor, patientId: w.ids.patient, start: daysAheadAt(7, 9).toISOString() };
    for (const extra of [{ status: 'completed' }, { status: 'cancelled' }, { id: crypto.randomUUID() }, { hospitalId: other.hospital.id }, { createdAt: '2000-01-01T00:00:00Z' }]) {
      const res = await callAs(t, w.owner, 'POST', '/v1/appointments', { ...base, ...extra });
      expect(res.statusCode, JSON.stringify(extra)).toBe(400);
    }
    expect(await count()).toBe(before);
    // The same booking without the protected field goes through, as scheduled.
    const ok = await callAs(t, w.owner, 'POST', '/v1/appointments', base);
    expect(ok.statusCode).toBe(201);
    expect(ok.json().data.status).toBe('scheduled');
  });

  it('registers no hospital and grants no operator rights for isPlatformAdmin, planId or id in the registration', async () => {
    const user = await newUser(t, 'climber');
    const base = { name: 'Climber Clinic', subdomain: `climb-${crypto.randomUUID().slice(0, 8)}`, email: uniqueEmail('c'), timezone: 'UTC' };
    for (const extra of [{ isPlatformAdmin: true }, { planId: crypto.randomUUID() }, { id: other.hospital.id }, { role: 'admin' }]) {
      expect((await callAs(t, user, 'POST', '/v1/hospitals', { ...base, ...extra })).statusCode).toBe(400);
    }
    const admins = await rawRows<{ n: number }>(t.deps.database.db, sql`select count(*)::int as n from platform_admins where user_id = ${user.userId}`);
    expect(admins[0]!.n).toBe(0);
    expect((await callAs(t, user, 'GET', '/v1/hospitals/me')).statusCode).toBe(403);
    expect((await callAs(t, user, 'GET', '/v1/admin/hospitals')).statusCode).toBe(403);
  });

  it('refuses prototype-pollution keys (__proto__, constructor.prototype) with 400', async () => {
    const before = await hospitalDigest(t, w.hospital.id);
    for (const raw of [
      '{"name":"Proto","__proto__":{"isPlatformAdmin":true}}',
      '{"name":"Proto","constructor":{"prototype":{"isPlatformAdmin":true}}}',
      '{"name":"Proto","email":"p@example.test","__proto__":{"role":"owner"}}',
    ]) {
      const res = await injectChecked(t, { method: 'POST', url: '/v1/patients', headers: { ...w.owner.auth, 'content-type': 'application/json' }, payload: raw });
      expect(res.statusCode, raw).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
    }
    expect(({} as Record<string, unknown>).isPlatformAdmin).toBeUndefined();
    expect(await hospitalDigest(t, w.hospital.id)).toEqual(before);
  });

  it('lets no admin hand out ownership (role escalation through invitations)', async () => {
    const admin = await addMember(t, w.hospital, 'admin');
    const before = await hospitalDigest(t, w.hospital.id);
    const res = await callAs(t, admin, 'POST', '/v1/hospitals/me/invitations', { email: uniqueEmail('crown'), role: 'owner' });
    expect(res.statusCode).toBe(403);
    expect(await hospitalDigest(t, w.hospital.id)).toEqual(before);
  });
});

/** Field names that would be a leak whatever their value. */
const SECRET_KEY = /(hash|secret|password|passwd|private|otp|^token$|apikey|api_key|authToken|auth_token)/i;

function secretKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => secretKeys(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [...(SECRET_KEY.test(k) ? [`${path}.${k}`] : []), ...secretKeys(v, `${path}.${k}`)]);
  }
  return [];
}

describe('API3 excessive data exposure', () => {
  it('never returns a secret: not from the writes that create one, not from any GET route', async () => {
    // Fresh secrets: an invitation token (only ever in the email) and a one-time code.
    const email = uniqueEmail('secret');
    const invite = await callAs(t, w.owner, 'POST', '/v1/hospitals/me/invitations', { email, role: 'staff' });
    expect(invite.statusCode).toBe(201);
    const token = await invitationToken(t, w.hospital.id, email);
    const otp = await callAs(t, w.owner, 'POST', '/v1/hospitals/me/otp');
    expect(otp.statusCode).toBe(202);
    const [otpEmail] = await rawRows<{ code: string }>(
      t.deps.database.db,
      sql`select payload->'data'->>'code' as code from outbox
           where hospital_id = ${w.hospital.id} and payload->>'template' = 'otp' order by created_at desc limit 1`,
    );
    const hashes = await rawRows<{ token_hash: string }>(
      t.deps.database.db,
      sql`select token_hash from hospital_invitations where hospital_id in (${w.hospital.id}, ${other.hospital.id})`,
    );
    const secrets: Record<string, string> = {
      SERVER_SECRET: t.deps.serverSecret,
      'webhook signing secret': w.webhookSecret.slice('whsec_'.length),
      'invitation token': token,
      'invitation token hash': createHash('sha256').update(token).digest('hex'),
      'OTP hash': createHmac('sha256', t.deps.serverSecret).update(`otp:v1:${w.hospital.id}:hospital.update:${otpEmail!.code}`).digest('hex'),
      ...Object.fromEntries(hashes.map((h, i) => [`stored token hash ${i}`, h.token_hash])),
      ...(t.config.env.SUPABASE_JWT_SECRET ? { SUPABASE_JWT_SECRET: t.config.env.SUPABASE_JWT_SECRET } : {}),
    };
    expect(hashes.length).toBeGreaterThanOrEqual(3);

    const responses: [string, string, boolean][] = [
      ['POST /v1/hospitals/me/invitations', invite.body, true],
      ['POST /v1/hospitals/me/otp', otp.body, true],
    ];
    expect(otp.body).not.toContain(otpEmail!.code);
    for (const op of ops.filter((o) => o.method === 'GET' && !o.path.startsWith('/docs'))) {
      const url = urlOf(op);
      const res = await callAs(t, callerOf(w, routeOf(op), operator), 'GET', url.includes('?') ? url : `${url}${op.parameters.some((p) => p.name === 'limit') ? '?limit=100' : ''}`);
      expect(res.statusCode, `${op.path}: ${res.body.slice(0, 200)}`).toBeLessThan(400);
      // Non-JSON answers (the calendar feed) are searched for the secrets as text.
      responses.push([`GET ${url}`, res.body, String(res.headers['content-type'] ?? '').startsWith('application/json')]);
    }
    expect(responses.length).toBeGreaterThan(25);
    const leaks: string[] = [];
    for (const [label, body, json] of responses) {
      for (const [name, secret] of Object.entries(secrets)) if (secret && body.includes(secret)) leaks.push(`${label} contains the ${name}`);
      const parsed = label.endsWith('.ndjson') ? body.split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown) : json ? JSON.parse(body) : null;
      if (parsed !== null) leaks.push(...secretKeys(parsed).map((k) => `${label} has a field ${k}`));
    }
    expect(leaks).toEqual([]);
  });
});
