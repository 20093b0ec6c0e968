import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { registerHospital } from '../helpers/factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { CORS_ORIGINS: 'https://app.example.com' } });
});
afterAll(async () => {
  await t.close();
});

describe('HTTP conventions', () => {
  it('answers unknown routes with the error envelope', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'No route GET /v1/nope', code: 'NOT_FOUND' });
  });

  it('puts x-request-id on every response, keeping a sane incoming one', async () => {
    const minted = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect(minted.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await t.app.inject({ method: 'GET', url: '/v1/nope', headers: { 'x-request-id': 'trace-abc.123' } });
    expect(kept.headers['x-request-id']).toBe('trace-abc.123');
    const replaced = await t.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(replaced.headers['x-request-id']).not.toContain(' ');
  });

  it('sends security headers and honours the CORS allow-list', async () => {
    const allowed = await t.app.inject({ method: 'GET', url: '/health/live', headers: { origin: 'https://app.example.com' } });
    expect(allowed.headers['x-content-type-options']).toBe('nosniff');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const denied = await t.app.inject({ method: 'GET', url: '/health/live', headers: { origin: 'https://evil.example' } });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets a browser app on an allowed origin preflight every method the API uses, and no other origin', async () => {
    const preflight = (origin: string, method: string) =>
      t.app.inject({
        method: 'OPTIONS',
        url: method === 'PATCH' ? '/v1/patients/0b7f2a4e-8c1d-4f5e-9a6b-3c2d1e0f9a8b' : '/v1/hospitals/me/members/0b7f2a4e-8c1d-4f5e-9a6b-3c2d1e0f9a8b',
        headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type,idempotency-key' },
      });
    for (const method of ['PATCH', 'DELETE']) {
      const ok = await preflight('https://app.example.com', method);
      expect(ok.statusCode, method).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
      const allowed = String(ok.headers['access-control-allow-methods']).split(',').map((m) => m.trim());
      expect(allowed).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']));
      expect(String(ok.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
      const evil = await preflight('https://evil.example', method);
      expect(evil.statusCode, method).toBeGreaterThanOrEqual(400);
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
      expect(evil.headers['access-control-allow-methods']).toBeUndefined();
    }
    // The answer exposes the headers a client reads (rate limits, replays, request ids).
    const get = await t.app.inject({ method: 'GET', url: '/v1/plans', headers: { origin: 'https://app.example.com' } });
    const exposed = String(get.headers['access-control-expose-headers']).toLowerCase().split(',').map((h) => h.trim());
    expect(exposed).toEqual(
      expect.arrayContaining(['x-request-id', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after', 'idempotent-replayed']),
    );
  });

  it('answers 401 with WWW-Authenticate: Bearer, naming invalid_token only when a token was sent (RFC 6750)', async () => {
    const missing = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me' });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="tempus"');
    const otherScheme = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(otherScheme.statusCode).toBe(401);
    expect(otherScheme.headers['www-authenticate']).toBe('Bearer realm="tempus"');
    const bad = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: { authorization: 'Bearer not-a-jwt' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer realm="tempus", error="invalid_token", error_description="The bearer token is malformed"');
  });

  it('marks every authenticated answer no-store (errors too) and leaves public ones their own caching', async () => {
    const h = await registerHospital(t);
    const authenticated = [
      await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: h.auth }),
      await t.app.inject({ method: 'GET', url: '/v1/patients', headers: h.auth }),
      await t.app.inject({ method: 'GET', url: '/v1/patients/0b7f2a4e-8c1d-4f5e-9a6b-3c2d1e0f9a8b', headers: h.auth }),
      await t.app.inject({ method: 'POST', url: '/v1/patients', headers: h.auth, payload: { nope: true } }),
      await t.app.inject({ method: 'GET', url: '/v1/hospitals/me' }),
      await t.app.inject({ method: 'GET', url: '/v1/admin/hospitals', headers: h.auth }),
    ];
    expect(authenticated.map((r) => r.statusCode)).toEqual([200, 200, 404, 400, 401, 403]);
    for (const res of authenticated) expect(res.headers['cache-control'], res.body).toBe('no-store');
    const publicAnswers = [
      await t.app.inject({ method: 'GET', url: '/v1/plans' }),
      await t.app.inject({ method: 'GET', url: `/v1/public/hospitals/${h.subdomain}` }),
      await t.app.inject({ method: 'GET', url: '/health/live' }),
    ];
    expect(publicAnswers.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    for (const res of publicAnswers) expect(String(res.headers['cache-control'] ?? '')).not.toContain('no-store');
  });

  it('serves an OpenAPI 3.1 document and the docs page', async () => {
    const doc = await t.app.inject({ method: 'GET', url: '/docs/openapi.json' });
    expect(doc.statusCode).toBe(200);
    const spec = doc.json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/hospitals', '/v1/hospitals/me', '/v1/public/hospitals/{subdomain}']));
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
  });

  it('reports health with per-check latency', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: expect.stringMatching(/^(ok|degraded)$/), version: expect.any(String), uptimeSeconds: expect.any(Number) });
    expect(body.checks.database).toMatchObject({ status: 'up', latencyMs: expect.any(Number) });
    for (const name of ['redis', 'rabbitmq', 'email']) expect(body.checks[name]).toBeDefined();
    expect((await t.app.inject({ method: 'GET', url: '/health/live' })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
  });

  it('refuses a method that is not routed with a 404 envelope, not a 500', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/v1/hospitals' });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('NOT_FOUND');
  });
});
