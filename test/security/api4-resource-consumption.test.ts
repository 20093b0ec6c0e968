/**
 * OWASP API4:2023 Unrestricted Resource Consumption.
 *
 * - `limit` above 100 (or below 1) is refused on every list route, found in
 *   the OpenAPI document by its `limit` query parameter;
 * - bodies over BODY_LIMIT_BYTES answer 413 on every route that takes one;
 *   huge arrays and deeply nested JSON under that limit answer 400;
 * - availability windows are bounded (31 days);
 * - one-time code requests are throttled per hospital (429 + Retry-After,
 *   and only one code is emailed);
 * - a booking flood from one user is cut off by the API rate limit
 *   (a small RATE_LIMIT_MAX for that app), without touching other users.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../src/infra/db/client.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { book, bookingFixture, daysAheadAt } from '../helpers/appointment-factories.ts';
import { registerHospital } from '../helpers/factories.ts';
import { addMember, newPlatformAdmin, type TestUser } from '../helpers/member-factories.ts';
import {
  type AppRoute,
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
} from '../helpers/security-factories.ts';
import { injectChecked } from '../helpers/contract.ts';

let t: TestApp;
let w: SecurityWorld;
let operator: TestUser;
let ops: OpenApiOperation[];
let routes: AppRoute[];

beforeAll(async () => {
  ({ t, ops, routes } = await startInventoriedApp());
  w = await securityWorld(t, 'r');
  operator = await newPlatformAdmin(t);
});
afterAll(async () => {
  await t.close();
});

const routeOf = (op: OpenApiOperation) => findRoute(routes, op);
const urlOf = (op: OpenApiOperation) => fillPath(op.path, (param, segment) => idFor(w, param, segment, op.path));
const withQuery = (url: string, query: string) => `${url}${url.includes('?') ? '&' : '?'}${query}`;

describe('API4 pagination bounds', () => {
  it('refuses limit > 100 (and < 1, and non-numbers) on every list route, and accepts 100', async () => {
    const lists = ops.filter((op) => op.parameters.some((p) => p.in === 'query' && p.name === 'limit'));
    expect(lists.length).toBeGreaterThanOrEqual(12);
    const failures: string[] = [];
    for (const op of lists) {
      const caller = callerOf(w, routeOf(op), operator);
      const base = urlOf(op) + sampleQuery(op.method, op.path);
      // The last one is parameter pollution: a second, larger limit must not win.
      for (const limit of ['101', '1000000', '0', '-1', 'ten', '1e9', '100.5', '1&limit=1000']) {
        const res = await callAs(t, caller, op.method, withQuery(base, `limit=${limit}`));
        const body = res.json() as { code?: string; details?: { fields?: { field: string }[] } };
        if (res.statusCode !== 400 || body.code !== 'VALIDATION_ERROR' || !body.details?.fields?.some((f) => f.field === 'limit')) {
          failures.push(`${op.method} ${op.path} limit=${limit} -> ${res.statusCode} ${res.body.slice(0, 160)}`);
        }
      }
      const max = await callAs(t, caller, op.method, withQuery(base, 'limit=100'));
      if (max.statusCode !== 200) failures.push(`${op.method} ${op.path} limit=100 -> ${max.statusCode} ${max.body.slice(0, 160)}`);
      else if ((max.json() as { data: unknown[] }).data.length > 100) failures.push(`${op.path} returned more than 100 items`);
    }
    expect(failures).toEqual([]);
  });
});

describe('API4 body sizes', () => {
  it('answers 413 PAYLOAD_TOO_LARGE on every route that takes a body, and writes nothing', async () => {
    const limit = t.config.env.BODY_LIMIT_BYTES;
    const oversized = JSON.stringify({ name: 'x'.repeat(limit) });
    const before = await hospitalDigest(t, w.hospital.id);
    const failures: string[] = [];
    const bodyOps = ops.filter((op) => op.requestBody);
    expect(bodyOps.length).toBeGreaterThanOrEqual(20);
    for (const op of bodyOps) {
      const caller = callerOf(w, routeOf(op), operator);
      const res = await injectChecked(t, {
        method: op.method as 'POST',
        url: urlOf(op),
        headers: { ...(caller ? caller.auth : {}), 'content-type': 'application/json' },
        payload: oversized,
      });
      if (res.statusCode !== 413 || res.json().code !== 'PAYLOAD_TOO_LARGE') failures.push(`${op.method} ${op.path} -> ${res.statusCode} ${res.body.slice(0, 160)}`);
    }
    expect(failures).toEqual([]);
    expect(await hospitalDigest(t, w.hospital.id)).toEqual(before);
  });

  it('refuses huge arrays below the body limit with 400 naming the field', async () => {
    const before = await hospitalDigest(t, w.hospital.id);
    const tenThousand = <T>(f: (i: number) => T) => Array.from({ length: 10_000 }, (_, i) => f(i));
    const cases: [string, string, Record<string, unknown>, string, TestUser][] = [
      ['PUT', `/v1/doctors/${w.ids.doctor}/schedule`, { weekly: tenThousand(() => ({ day: 'monday', start: '09:00', end: '10:00' })) }, 'weekly', w.owner],
      ['PATCH', '/v1/hospitals/me/settings', { reminderOffsetsMinutes: tenThousand((i) => (i % 10_000) + 1) }, 'reminderOffsetsMinutes', w.owner],
      ['PUT', `/v1/visit-notes/${w.ids.note}`, { diagnoses: tenThousand((i) => ({ code: `J${i}`, description: 'x' })) }, 'diagnoses', w.doctorMember],
      ['PUT', `/v1/visit-notes/${w.ids.note}`, { prescriptions: tenThousand(() => ({ drug: 'd', dose: '1', frequency: 'daily', durationDays: 1 })) }, 'prescriptions', w.doctorMember],
    ];
    for (const [method, url, payload, field, caller] of cases) {
      const size = JSON.stringify(payload).length;
      expect(size, 'the array must fit in the body limit to test the array bound').toBeLessThan(t.config.env.BODY_LIMIT_BYTES);
      const res = await callAs(t, caller, method, url, payload);
      expect(res.statusCode, `${field}: ${res.body.slice(0, 200)}`).toBe(400);
      expect(res.json().details.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    expect(await hospitalDigest(t, w.hospital.id)).toEqual(before);
  });

  it('answers 400 (not 500, not a crash) to deeply nested JSON', async () => {
    const depth = 100_000;
    const nested = `{"name":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const res = await injectChecked(t, { method: 'POST', url: '/v1/patients', headers: { ...w.owner.auth, 'content-type': 'application/json' }, payload: nested });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_ERROR');
  });

  it('bounds search strings', async () => {
    const res = await callAs(t, w.owner, 'GET', `/v1/patients?search=${'a'.repeat(101)}`);
    expect(res.statusCode).toBe(400);
  });
});

describe('API4 availability windows', () => {
  it('refuses a range of more than 31 days, on the staff and the public route', async () => {
    const day = (d: number) => daysAheadAt(d, 0).toISOString().slice(0, 10);
    const urls = [
      [`/v1/doctors/${w.ids.doctor}/availability`, w.owner],
      [`/v1/public/hospitals/${w.hospital.subdomain}/doctors/${w.ids.doctor}/availability`, null],
    ] as const;
    for (const [url, caller] of urls) {
      expect((await callAs(t, caller, 'GET', `${url}?from=${day(1)}&to=${day(31)}`)).statusCode, url).toBe(200);
      for (const [from, to] of [[day(1), day(33)], [day(1), day(400)], ['2000-01-01', '2999-12-31']]) {
        const res = await callAs(t, caller, 'GET', `${url}?from=${from}&to=${to}`);
        expect(res.statusCode, `${url} ${from}..${to}: ${res.body.slice(0, 200)}`).toBe(400);
        expect(res.json().code).toBe('VALIDATION_ERROR');
      }
    }
  });
});

describe('API4 floods', () => {
  it('throttles one-time code requests per hospital: 429 with Retry-After, and only one code emailed', async () => {
    const h = await registerHospital(t);
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 10; i++) {
      const res = await injectChecked(t, { method: 'POST', url: '/v1/hospitals/me/otp', headers: h.auth });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) {
        retryAfter = res.headers['retry-after'] as string;
        expect(res.json()).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: expect.any(Number) } });
      }
    }
    expect(statuses).toEqual([202, ...Array(9).fill(429)]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(t.config.env.OTP_REQUEST_WINDOW_SECONDS);
    const [emails] = await rawRows<{ n: number }>(
      t.deps.database.db,
      sql`select count(*)::int as n from outbox where hospital_id = ${h.id} and payload->>'template' = 'otp'`,
    );
    expect(emails!.n).toBe(1);
    // Another hospital's codes are not affected.
    const other = await registerHospital(t);
    expect((await injectChecked(t, { method: 'POST', url: '/v1/hospitals/me/otp', headers: other.auth })).statusCode).toBe(202);
  });

  it('cuts off a booking flood from one user with 429 + Retry-After; other users carry on', async () => {
    const max = 8;
    const flood = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: String(max), RATE_LIMIT_WINDOW_SECONDS: '60' } });
    try {
      const fixture = await bookingFixture(flood); // a handful of the owner's requests
      const clerk = await addMember(flood, fixture.hospital, 'staff'); // written directly: the clerk has made no request yet
      const statuses: number[] = [];
      let refused: Awaited<ReturnType<typeof book>> | undefined;
      for (let i = 0; i < max + 6; i++) {
        const res = await book(flood, clerk.auth, { doctorId: fixture.doctorId, patientId: fixture.patientId, start: daysAheadAt(2 + Math.floor(i / 20), i % 20).toISOString() });
        statuses.push(res.statusCode);
        if (res.statusCode === 429) refused ??= res;
      }
      expect(statuses).toEqual([...Array(max).fill(201), ...Array(6).fill(429)]);
      expect(refused!.json().code).toBe('RATE_LIMITED');
      expect(Number(refused!.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused!.headers['ratelimit-remaining']).toBe('0');
      const [booked] = await rawRows<{ n: number }>(flood.deps.database.db, sql`select count(*)::int as n from appointments where hospital_id = ${fixture.hospital.id}`);
      expect(booked!.n).toBe(max);
      // The owner (same hospital, own budget) is not throttled by the clerk's flood.
      expect((await injectChecked(flood, { method: 'GET', url: '/v1/appointments', headers: fixture.auth })).statusCode).toBe(200);
    } finally {
      await flood.close();
    }
  });
});
