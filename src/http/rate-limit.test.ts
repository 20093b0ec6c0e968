import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.ts';
import { registerHospital } from '../../test/helpers/factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_MAX: '5', RATE_LIMIT_PUBLIC_MAX: '3', RATE_LIMIT_WINDOW_SECONDS: '60' } });
});
afterAll(async () => {
  await t.close();
});

describe('API rate limits', () => {
  it('counts per signed-in user with RateLimit-* headers, then answers 429 RATE_LIMITED with Retry-After', async () => {
    const h = await registerHospital(t); // the registration is the owner's first request
    const remaining: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: h.auth });
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBe('5');
      expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThan(0);
      remaining.push(String(res.headers['ratelimit-remaining']));
    }
    expect(remaining).toEqual(['3', '2', '1', '0']);
    const refused = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: h.auth });
    expect(refused.statusCode).toBe(429);
    const body = refused.json();
    expect(body).toMatchObject({ code: 'RATE_LIMITED', error: expect.any(String), details: { limit: 5, retryAfterSeconds: expect.any(Number) } });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers['ratelimit-remaining']).toBe('0');

    // Another user of the same hospital (same IP) has a budget of their own.
    const other = await registerHospital(t);
    expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: other.auth })).statusCode).toBe(200);
  });

  it('limits the public routes per IP, more strictly, in their own bucket', async () => {
    const h = await registerHospital(t);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/public/hospitals/${h.subdomain}`, remoteAddress: '203.0.113.7' });
      statuses.push(res.statusCode);
      if (i === 0) expect(res.headers['ratelimit-limit']).toBe('3');
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    // Another client IP is not affected.
    const elsewhere = await t.app.inject({ method: 'GET', url: `/v1/public/hospitals/${h.subdomain}`, remoteAddress: '203.0.113.8' });
    expect(elsewhere.statusCode).toBe(200);
    // Nor is a signed-in user calling from the throttled IP.
    const signedIn = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: h.auth, remoteAddress: '203.0.113.7' });
    expect(signedIn.statusCode).toBe(200);
  });

  it('never limits health probes', async () => {
    for (let i = 0; i < 8; i++) {
      const res = await t.app.inject({ method: 'GET', url: '/health/live', remoteAddress: '203.0.113.9' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
  });

  it('leaves requests refused by authentication to authentication (401, never 429)', async () => {
    for (let i = 0; i < 7; i++) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', remoteAddress: '203.0.113.10' });
      expect(res.statusCode).toBe(401);
    }
  });
});
