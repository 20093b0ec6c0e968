import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.ts';
import { helmetHeaders } from './security-headers.ts';
import { WEB_CSP } from './web-app.routes.ts';

/** What @fastify/helmet answered per request before its headers were precomputed (same names, values and order). */
const HELMET = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-site',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('security headers', () => {
  it('are exactly the set helmet computes for our options', async () => {
    expect(await helmetHeaders()).toEqual(HELMET);
  });

  it.each([
    ['API JSON (401)', { url: '/v1/hospitals/me' }],
    ['a health probe', { url: '/health/live' }],
    ['the docs page', { url: '/docs' }],
    ['the OpenAPI document', { url: '/docs/json' }],
    ['an unknown route', { url: '/no/such/route' }],
    ['a malformed body', { method: 'POST' as const, url: '/v1/hospitals', payload: '{', headers: { 'content-type': 'application/json' } }],
    ['a refused preflight', { method: 'OPTIONS' as const, url: '/v1/hospitals/me', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } }],
    ['the booking page', { url: '/book/some-clinic' }],
  ])('%s carries them first, after the request id, in helmet order', async (_name, request) => {
    const res = await t.app.inject(request);
    const names = Object.keys(res.headers);
    expect(names.slice(0, 1 + Object.keys(HELMET).length)).toEqual(['x-request-id', ...Object.keys(HELMET)]);
    for (const [name, value] of Object.entries(HELMET)) expect(res.headers[name]).toBe(value);
  });

  it('leave the CSP to the web pages (theirs) and off elsewhere', async () => {
    expect((await t.app.inject({ url: '/book/some-clinic' })).headers['content-security-policy']).toBe(WEB_CSP);
    expect((await t.app.inject({ url: '/v1/hospitals/me' })).headers['content-security-policy']).toBeUndefined();
  });
});
