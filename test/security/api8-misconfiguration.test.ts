/**
 * OWASP API8:2023 Security Misconfiguration.
 *
 * - CORS: only CORS_ORIGINS get `access-control-allow-origin`; a preflight
 *   from anywhere else is refused (no allow-origin, no allow-methods), and
 *   with no CORS_ORIGINS no origin is allowed at all;
 * - security headers (helmet) on successes and errors alike; no
 *   `x-powered-by`, no `server`;
 * - errors never carry stack traces, file paths or SQL: garbage cursors on
 *   every list route (they reach the database), a database that fails under
 *   the app (a broken table on the embedded target, a cut connection on the
 *   services target), and the 500 mapping itself;
 * - no path traversal through the docs' static files, no TRACE echo,
 *   non-JSON bodies refused.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toErrorBody } from '../../src/http/error-handler.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { registerHospital } from '../helpers/factories.ts';
import { newPlatformAdmin, type TestUser } from '../helpers/member-factories.ts';
import {
  callAs,
  callerOf,
  fillPath,
  idFor,
  INTERNALS,
  openApiOperations,
  routeCollector,
  securityWorld,
  type AppRoute,
  type OpenApiOperation,
  type SecurityWorld,
} from '../helpers/security-factories.ts';
import { onServices } from '../helpers/target.ts';
import { startTcpProxy, viaProxy } from '../helpers/tcp-proxy.ts';
import { injectChecked } from '../helpers/contract.ts';

const ALLOWED = 'https://app.example.com';
const collector = routeCollector();
let t: TestApp;
let w: SecurityWorld;
let operator: TestUser;
let ops: OpenApiOperation[];
let routes: AppRoute[];

beforeAll(async () => {
  t = await createTestApp({ env: { CORS_ORIGINS: ALLOWED }, build: { onRoute: collector.onRoute } });
  w = await securityWorld(t, 'm');
  operator = await newPlatformAdmin(t);
  ops = await openApiOperations(t);
  routes = collector.routes();
});
afterAll(async () => {
  await t.close();
});

const SECURITY_HEADERS: Record<string, RegExp> = {
  'x-content-type-options': /^nosniff$/,
  'x-frame-options': /^(DENY|SAMEORIGIN)$/,
  'strict-transport-security': /max-age=\d+/,
  'referrer-policy': /no-referrer/,
  'cross-origin-resource-policy': /^same-(site|origin)$/,
  'cross-origin-opener-policy': /^same-origin/,
  'x-dns-prefetch-control': /^off$/,
  'x-permitted-cross-domain-policies': /^none$/,
};

function expectHardened(res: { headers: Record<string, unknown>; statusCode: number }, label: string) {
  for (const [name, pattern] of Object.entries(SECURITY_HEADERS)) {
    expect(String(res.headers[name] ?? ''), `${label} (${res.statusCode}): ${name}`).toMatch(pattern);
  }
  expect(res.headers['x-powered-by'], label).toBeUndefined();
  expect(res.headers.server, label).toBeUndefined();
}

function expectNoInternals(res: { statusCode: number; body: string }, label: string) {
  expect(res.body, label).not.toMatch(INTERNALS);
  if (res.statusCode >= 400) expect(JSON.parse(res.body), label).toMatchObject({ error: expect.any(String), code: expect.stringMatching(/^[A-Z_]+$/) });
}

describe('API8 CORS', () => {
  it('allows only the configured origin', async () => {
    const allowed = await injectChecked(t, { method: 'GET', url: '/v1/hospitals/me', headers: { ...w.owner.auth, origin: ALLOWED } });
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
    // The answer depends on the origin: shared caches must key on it.
    expect(String(allowed.headers.vary)).toMatch(/origin/i);
    for (const origin of ['https://evil.example', `${ALLOWED}.evil.example`, 'http://app.example.com', 'null', 'https://app.example.com:8443']) {
      const res = await injectChecked(t, { method: 'GET', url: '/v1/hospitals/me', headers: { ...w.owner.auth, origin } });
      expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
  });

  it('refuses a preflight from a disallowed origin', async () => {
    const preflight = (origin: string) =>
      injectChecked(t, {
        method: 'OPTIONS',
        url: '/v1/appointments',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const ok = await preflight(ALLOWED);
    expect(ok.statusCode).toBeLessThan(300);
    expect(ok.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(ok.headers['access-control-allow-methods'])).toContain('POST');
    const evil = await preflight('https://evil.example');
    expect(evil.statusCode).toBeGreaterThanOrEqual(400);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    expect(evil.headers['access-control-allow-methods']).toBeUndefined();
    expect(evil.headers['access-control-allow-headers']).toBeUndefined();
  });

  it('allows no origin at all when CORS_ORIGINS is empty (the default)', async () => {
    const closed = await createTestApp();
    try {
      for (const origin of [ALLOWED, 'https://evil.example']) {
        const res = await injectChecked(closed, { method: 'GET', url: '/health/live', headers: { origin } });
        expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
        const pre = await injectChecked(closed, { method: 'OPTIONS', url: '/v1/patients', headers: { origin, 'access-control-request-method': 'POST' } });
        expect(pre.statusCode, origin).toBeGreaterThanOrEqual(400);
        expect(pre.headers['access-control-allow-origin'], origin).toBeUndefined();
        expect(pre.headers['access-control-allow-methods'], origin).toBeUndefined();
      }
    } finally {
      await closed.close();
    }
  });
});

describe('API8 headers', () => {
  it('sends the security headers and no x-powered-by on successes and on every kind of error', async () => {
    const samples: [string, Promise<{ headers: Record<string, unknown>; statusCode: number }>][] = [
      ['200', callAs(t, w.owner, 'GET', '/v1/hospitals/me')],
      ['201', callAs(t, w.owner, 'POST', '/v1/patients', { name: 'Header Check' })],
      ['400', callAs(t, w.owner, 'GET', '/v1/patients?limit=1000')],
      ['401', callAs(t, null, 'GET', '/v1/hospitals/me')],
      ['403', callAs(t, w.staff, 'GET', '/v1/audit-events')],
      ['404', callAs(t, w.owner, 'GET', '/v1/nothing-here')],
      ['413', injectChecked(t, { method: 'POST', url: '/v1/patients', headers: { ...w.owner.auth, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(t.config.env.BODY_LIMIT_BYTES) }) })],
      ['415', injectChecked(t, { method: 'POST', url: '/v1/patients', headers: { ...w.owner.auth, 'content-type': 'text/xml' }, payload: '<patient/>' })],
      ['public', callAs(t, null, 'GET', `/v1/public/hospitals/${w.hospital.subdomain}`)],
      ['health', callAs(t, null, 'GET', '/health')],
    ];
    for (const [label, pending] of samples) {
      const res = await pending;
      expectHardened(res, label);
      expect(res.headers['x-request-id'], label).toBeTruthy();
    }
  });

  it('refuses bodies that are not JSON with 415, and does not echo TRACE requests', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'text/xml', 'multipart/form-data; boundary=x']) {
      const res = await injectChecked(t, { method: 'POST', url: '/v1/patients', headers: { ...w.owner.auth, 'content-type': type }, payload: 'name=x' });
      expect(res.statusCode, type).toBe(415);
      expect(res.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    const trace = await injectChecked(t, { method: 'TRACE' as 'GET', url: '/v1/hospitals/me', headers: w.owner.auth });
    expect(trace.statusCode).toBeGreaterThanOrEqual(400);
    expect(trace.body).not.toContain(w.owner.token);
  });

  it('serves no file outside the docs through the static route', async () => {
    for (const url of [
      '/docs/static/../../../package.json',
      '/docs/static/..%2f..%2f..%2fpackage.json',
      '/docs/static/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/docs/static/..%252f..%252fpackage.json',
      '/docs/static/....//....//package.json',
      '/docs/static/%2e%2e%5c%2e%2e%5cpackage.json',
    ]) {
      const res = await injectChecked(t, { method: 'GET', url });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.body, url).not.toContain('"dependencies"');
    }
  });
});

describe('API8 error leakage', () => {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const uuid = '7f2c0a52-9a77-4b8e-9d61-3f0e6f1b2c44';
  const garbageCursors = [
    b64(['not-a-date', uuid]),
    b64(['2024-99-99T99:99:99Z', uuid]),
    b64(["'; select pg_sleep(5); --", uuid]),
    b64(['2024-01-01T00:00:00Z', '------------------------------------']),
    b64(['2024-01-01T00:00:00Z\u0000', uuid]),
    b64(['9'.repeat(400), uuid]),
    b64(['+275760-09-13T00:00:00.001Z', uuid]),
    b64([{ $gt: '' }, uuid]),
    b64(['a', 'b', 'c']),
    b64(null),
    Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString('base64url'),
    '%%%',
  ];

  it('answers garbage cursors on every list route with 400 (or an ordinary page), never 5xx, never internals', async () => {
    const lists = ops.filter((op) => op.parameters.some((p) => p.in === 'query' && p.name === 'cursor'));
    expect(lists.length).toBeGreaterThanOrEqual(12);
    const failures: string[] = [];
    for (const op of lists) {
      const route = routes.find((r) => r.method === op.method && r.path === op.path)!;
      const url = fillPath(op.path, (param, segment) => idFor(w, param, segment, op.path));
      for (const cursor of garbageCursors) {
        const res = await callAs(t, callerOf(w, route, operator), 'GET', `${url}?cursor=${encodeURIComponent(cursor)}`);
        if (![200, 400].includes(res.statusCode) || INTERNALS.test(res.body)) failures.push(`${op.path} cursor=${cursor} -> ${res.statusCode} ${res.body.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('maps an unexpected error to a bare 500 without message, stack or SQL', () => {
    const driverError = Object.assign(new Error('relation "patients" does not exist'), { code: '42P01', query: 'SELECT * FROM patients' });
    const wrapped = Object.assign(new Error('Failed query: select "id" from "patients" where "hospital_id" = $1'), { cause: driverError });
    for (const err of [driverError, wrapped, new TypeError("Cannot read properties of undefined (reading 'id')")]) {
      const { status, body } = toErrorBody(err);
      expect(status).toBe(500);
      expect(body).toEqual({ error: expect.any(String), code: 'INTERNAL_ERROR' });
      expect(JSON.stringify(body)).not.toMatch(INTERNALS);
      expect(JSON.stringify(body)).not.toContain('patients');
    }
  });

  it('answers a database failing under the app without internals', async () => {
    if (!onServices) {
      // Embedded: this app's own PGlite copy, so breaking a table here touches no other suite.
      const broken = await createTestApp();
      try {
        const h = await registerHospital(broken);
        await broken.deps.database.db.execute(sql`alter table patients rename to patients_gone`);
        for (const [method, url, payload] of [
          ['GET', '/v1/patients', undefined],
          ['POST', '/v1/patients', { name: 'Lost' }],
        ] as const) {
          const res = await injectChecked(broken, { method, url, headers: h.auth, ...(payload ? { payload } : {}) });
          expect(res.statusCode, `${method} ${url}`).toBe(500);
          expect(res.json()).toEqual({ error: expect.any(String), code: 'INTERNAL_ERROR' });
          expectNoInternals(res, `${method} ${url}`);
          expectHardened(res, `${method} ${url}`);
        }
      } finally {
        await broken.close();
      }
      return;
    }
    // Services: the shared PostgreSQL stays up; this app reaches it through a proxy that is cut.
    const upstream = new URL(process.env.DATABASE_URL!);
    const proxy = await startTcpProxy(upstream.hostname, Number(upstream.port || 5432));
    const cutOff = await createTestApp({ env: { DATABASE_URL: viaProxy(process.env.DATABASE_URL!, proxy), MIGRATE_ON_START: 'false' } });
    try {
      const h = await registerHospital(cutOff);
      proxy.cut();
      for (const [method, url, payload] of [
        ['GET', '/v1/patients', undefined],
        ['POST', '/v1/patients', { name: 'Lost' }],
      ] as const) {
        const res = await injectChecked(cutOff, { method, url, headers: h.auth, ...(payload ? { payload } : {}) });
        expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeGreaterThanOrEqual(500);
        expect(['INTERNAL_ERROR', 'SERVICE_UNAVAILABLE']).toContain(res.json().code);
        expectNoInternals(res, `${method} ${url}`);
        expect(res.body).not.toMatch(/ECONN|127\.0\.0\.1|5432|postgres/i);
      }
    } finally {
      proxy.restore();
      await cutOff.close();
      await proxy.close();
    }
  });
});
