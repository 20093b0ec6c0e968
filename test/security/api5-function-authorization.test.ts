/**
 * OWASP API5:2023 Broken Function Level Authorization.
 *
 * The full role matrix (every route × owner, admin, staff, doctor, another
 * hospital's owner, operator, anonymous) lives in test/role-matrix.test.ts.
 * This suite adds the structural guarantees around it, read from the routes
 * as registered:
 * - every operator route is under /v1/admin and every /v1/admin route is for
 *   operators only: members of any role get 403, anonymous callers 401;
 * - public routes are an explicit, short list (a new one must be added here
 *   on purpose);
 * - every other route refuses anonymous callers with 401, and tenant routes
 *   refuse a signed-in user who belongs to no hospital with 403;
 * - method-override headers change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { addMember, newPlatformAdmin, newUser, type TestUser } from '../helpers/member-factories.ts';
import { callAs, securityWorld, startInventoriedApp, type AppRoute, type SecurityWorld } from '../helpers/security-factories.ts';
import { injectChecked } from '../helpers/contract.ts';

let t: TestApp;
let w: SecurityWorld;
let routes: AppRoute[];

beforeAll(async () => {
  let all: AppRoute[];
  ({ t, routes: all } = await startInventoriedApp());
  w = await securityWorld(t, 'f');
  routes = all.filter((r) => !r.url.startsWith('/docs'));
});
afterAll(async () => {
  await t.close();
});

/** Routes anyone may call. Adding one is a decision: put it here with a reason. */
const PUBLIC_ROUTES = new Set([
  'GET /health', // probes
  'GET /health/live',
  'GET /health/ready',
  'GET /metrics', // optionally behind METRICS_TOKEN
  'GET /v1/plans', // the price list
  'GET /v1/public/hospitals/:subdomain', // a hospital's public pages
  'GET /v1/public/hospitals/:subdomain/doctors',
  'GET /v1/public/hospitals/:subdomain/doctors/:id/availability',
  'GET /v1/public/hospitals/:subdomain/$bulk-publish', // SMART Scheduling Links: the free slots for directories
  'GET /v1/public/hospitals/:subdomain/$bulk-publish/Location.ndjson',
  'GET /v1/public/hospitals/:subdomain/$bulk-publish/Schedule.ndjson',
  'GET /v1/public/hospitals/:subdomain/$bulk-publish/Slot.ndjson',
  'GET /fhir/R4/metadata', // the CapabilityStatement, public as on every FHIR server
  'GET /v1/public/hospitals/:subdomain/visit-types',
  'GET /v1/public/hospitals/:subdomain/visit-types/:id/availability',
  'POST /v1/public/hospitals/:subdomain/holds', // public booking (SPEC 15): a visitor holds a slot...
  'POST /v1/public/holds/:id/contact', // ...gets a code at their address...
  'POST /v1/public/holds/:id/confirm', // ...and books it with the code
  'GET /calendar/:file', // a doctor's calendar feed: the secret address is the credential
  'GET /book/:subdomain', // the patients' booking page (static; it calls the public routes above)
  'GET /manage/:token', // its manage page: the token in the URL is checked by the API it calls
  'GET /offers/:token', // a waitlist offer's page: the signed link in the URL is checked by the API it calls
  'GET /app/:file', // the page's own script and style files
  'GET /v1/public/offers/:token', // a waitlist offer: the signed link is the credential
  'POST /v1/public/offers/:token/accept',
  'POST /v1/public/offers/:token/decline',
  'POST /v1/public/manage/:token/waitlist', // joining the waitlist from a manage link
  'GET /v1/public/manage/:token', // a patient's manage link: the signed token is the capability (SPEC section 15)
  'POST /v1/public/manage/:token/cancel',
  'POST /v1/public/manage/:token/reschedule',
  'GET /v1/public/manage/:token/availability',
]);

const key = (r: AppRoute) => `${r.method} ${r.url}`;
const concrete = (url: string) => url.replace(/:\w+/g, () => crypto.randomUUID());
const payloadFor = (method: string) => (['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined);

describe('API5 function-level authorization', () => {
  it('keeps operator routes under /v1/admin and every /v1/admin route for operators', () => {
    const operatorRoutes = routes.filter((r) => r.auth === 'platform-admin').map(key);
    const adminPrefixed = routes.filter((r) => r.url.startsWith('/v1/admin')).map(key);
    expect(operatorRoutes.length).toBeGreaterThanOrEqual(7);
    expect(operatorRoutes.sort()).toEqual(adminPrefixed.sort());
  });

  it('refuses every operator route to members of every role (403) and to anonymous callers (401)', async () => {
    const members: [string, TestUser][] = [
      ['owner', w.owner],
      ['admin', await addMember(t, w.hospital, 'admin')],
      ['staff', w.staff],
      ['doctor', w.doctorMember],
      ['no hospital', await newUser(t)],
    ];
    const operator = await newPlatformAdmin(t);
    const failures: string[] = [];
    for (const route of routes.filter((r) => r.auth === 'platform-admin')) {
      const url = concrete(route.url);
      for (const [who, user] of members) {
        const res = await callAs(t, user, route.method, url, payloadFor(route.method));
        if (res.statusCode !== 403 || res.json().code !== 'FORBIDDEN') failures.push(`${route.method} ${route.url} as ${who} -> ${res.statusCode}`);
      }
      const anonymous = await callAs(t, null, route.method, url, payloadFor(route.method));
      if (anonymous.statusCode !== 401 || anonymous.json().code !== 'UNAUTHORIZED') failures.push(`${route.method} ${route.url} anonymous -> ${anonymous.statusCode}`);
      // The operator gets past the gate (then meets validation or a missing object).
      const op = await callAs(t, operator, route.method, url, payloadFor(route.method));
      if ([401, 403].includes(op.statusCode) || op.statusCode >= 500) failures.push(`${route.method} ${route.url} as operator -> ${op.statusCode}`);
    }
    expect(failures).toEqual([]);
  });

  it('has exactly the intended public routes', () => {
    expect(routes.filter((r) => r.auth === 'public').map(key).sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it('refuses anonymous callers (401) on every other route, and users without a hospital (403) on tenant routes', async () => {
    const outsider = await newUser(t, 'outsider');
    const failures: string[] = [];
    for (const route of routes.filter((r) => r.auth !== 'public')) {
      const url = concrete(route.url);
      const anonymous = await callAs(t, null, route.method, url, payloadFor(route.method));
      if (anonymous.statusCode !== 401) failures.push(`${key(route)} anonymous -> ${anonymous.statusCode}`);
      const garbage = await injectChecked(t, { method: route.method as 'GET', url, headers: { authorization: 'Bearer not.a.token' } });
      if (garbage.statusCode !== 401) failures.push(`${key(route)} bad token -> ${garbage.statusCode}`);
      if (route.auth === 'tenant') {
        const res = await callAs(t, outsider, route.method, url, payloadFor(route.method));
        if (res.statusCode !== 403) failures.push(`${key(route)} without a hospital -> ${res.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('guards HEAD like GET, and no spelling of an operator URL gets past the gate', async () => {
    const failures: string[] = [];
    for (const route of routes.filter((r) => r.method === 'GET' && r.auth !== 'public')) {
      const res = await injectChecked(t, { method: 'HEAD', url: concrete(route.url) });
      if (res.statusCode !== 401) failures.push(`HEAD ${route.url} anonymous -> ${res.statusCode}`);
    }
    for (const route of routes.filter((r) => r.auth === 'platform-admin')) {
      const url = concrete(route.url);
      const variants = [`${url}/`, url.toUpperCase(), url.replace('/v1/admin/', '/v1//admin/'), url.replace('/admin/', '/%61dmin/'), `${url}%20`, `${url};x=1`, url.replace('/v1/', '/v1/./')];
      for (const variant of variants) {
        const res = await callAs(t, w.owner, route.method, variant, payloadFor(route.method));
        if (res.statusCode < 400 || res.statusCode >= 500) failures.push(`${route.method} ${variant} as owner -> ${res.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('ignores method-override headers', async () => {
    for (const header of ['x-http-method-override', 'x-http-method', 'x-method-override']) {
      const res = await injectChecked(t, {
        method: 'GET',
        url: `/v1/doctors/${w.ids.doctor}`,
        headers: { ...w.staff.auth, [header]: 'DELETE' },
      });
      expect(res.statusCode, header).toBe(200);
      expect(res.json().data.active).toBe(true);
    }
    // Staff may not deactivate doctors, whatever the headers say.
    const res = await injectChecked(t, { method: 'POST', url: `/v1/doctors/${w.ids.doctor}`, headers: { ...w.staff.auth, 'x-http-method-override': 'DELETE' } });
    expect(res.statusCode).toBe(404);
    const still = await callAs(t, w.owner, 'GET', `/v1/doctors/${w.ids.doctor}`);
    expect(still.json().data.active).toBe(true);
  });
});
