import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { registerHospital, uniqueEmail, type RegisteredHospital } from '../../../test/helpers/factories.ts';
import { userIdForEmail } from '../../infra/auth/user-id.ts';
import { rawRows } from '../../infra/db/client.ts';
import type { MemberRole } from '../../infra/db/schema/members.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { insertMember } from '../members/members.repo.ts';

// No request cooldown here, so one hospital can request several codes in a
// test; the limits themselves are tested with their defaults below.
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { OTP_REQUEST_INTERVAL_SECONDS: '0', OTP_REQUEST_MAX: '100' } });
});
afterAll(async () => {
  await t.close();
});

async function requestOtp(app: TestApp, h: RegisteredHospital) {
  return app.app.inject({ method: 'POST', url: '/v1/hospitals/me/otp', headers: h.auth });
}

/** The code as the hospital receives it: from the queued email's payload. */
async function latestCode(app: TestApp, hospitalId: string): Promise<string> {
  const rows = await rawRows<{ payload: { template: string; to: string; data: { code: string } } }>(
    app.deps.database.db,
    sql`select payload from outbox where hospital_id = ${hospitalId} and payload->>'template' = 'otp' order by created_at desc, id desc limit 1`,
  );
  const code = rows[0]?.payload.data.code;
  if (!code) throw new Error('no otp email queued');
  return code;
}

async function freshCode(app: TestApp, h: RegisteredHospital): Promise<string> {
  const res = await requestOtp(app, h);
  expect(res.statusCode).toBe(202);
  return latestCode(app, h.id);
}

const patch = (app: TestApp, h: RegisteredHospital, payload: Record<string, unknown>) =>
  app.app.inject({ method: 'PATCH', url: '/v1/hospitals/me', headers: h.auth, payload });

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function addMember(app: TestApp, h: RegisteredHospital, role: MemberRole) {
  const email = uniqueEmail(role);
  await withTenant(app.deps.database.db, h.id, (scope) => insertMember(scope, { userId: userIdForEmail(email), email, role }));
  return { authorization: `Bearer ${await app.tokenFor(email)}` };
}

describe('POST /v1/hospitals/me/otp', () => {
  it('answers 202 without the code and queues an otp email with a 6-digit code to the hospital', async () => {
    const h = await registerHospital(t);
    const res = await requestOtp(t, h);
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.data).toEqual({ expiresInSeconds: 300, sentTo: expect.stringMatching(/^c\*\*\*@example\.test$/) });
    const rows = await rawRows<{ queue: string; type: string; payload: { template: string; to: string; data: Record<string, unknown> } }>(
      t.deps.database.db,
      sql`select queue, type, payload from outbox where hospital_id = ${h.id} and payload->>'template' = 'otp'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ queue: 'email_notifications', type: 'email', payload: { template: 'otp', to: h.email } });
    const code = rows[0]!.payload.data.code as string;
    expect(code).toMatch(/^\d{6}$/);
    expect(res.body).not.toContain(code);
    const audits = await rawRows<{ action: string }>(t.deps.database.db, sql`select action from audit_events where hospital_id = ${h.id} and action = 'hospital.otp_requested'`);
    expect(audits).toHaveLength(1);
  });

  it('is refused to staff and doctors (owner/admin only)', async () => {
    const h = await registerHospital(t);
    for (const role of ['staff', 'doctor'] as const) {
      const headers = await addMember(t, h, role);
      const res = await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/otp', headers });
      expect(res.statusCode).toBe(403);
      const upd = await t.app.inject({ method: 'PATCH', url: '/v1/hospitals/me', headers, payload: { otp: '123456', name: 'X' } });
      expect(upd.statusCode).toBe(403);
      expect(upd.json().code).toBe('FORBIDDEN');
    }
    const admin = await addMember(t, h, 'admin');
    expect((await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/otp', headers: admin })).statusCode).toBe(202);
  });
});

describe('PATCH /v1/hospitals/me', () => {
  it('changes the details with a valid code, writes an audit event with field names and shows the change at once', async () => {
    const h = await registerHospital(t);
    const before = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: h.auth });
    expect(before.json().data.name).toBe('Test Clinic'); // now cached
    const code = await freshCode(t, h);
    const res = await patch(t, h, { otp: code, name: 'Renamed Clinic', phone: '+14155550123', timezone: 'America/Chicago', email: 'NEW@Example.test' });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ name: 'Renamed Clinic', phone: '+14155550123', timezone: 'America/Chicago', email: 'new@example.test' });
    const after = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: h.auth });
    expect(after.json().data).toEqual(res.json().data);
    const audits = await rawRows<{ changes: string[] }>(
      t.deps.database.db,
      sql`select changes from audit_events where hospital_id = ${h.id} and action = 'hospital.updated'`,
    );
    expect(audits).toEqual([{ changes: ['name', 'phone', 'timezone', 'email'] }]);
  });

  it('answers OTP_REQUIRED without a code', async () => {
    const h = await registerHospital(t);
    const res = await patch(t, h, { name: 'No Code' });
    expect(res.statusCode).toBe(428);
    expect(res.json().code).toBe('OTP_REQUIRED');
  });

  it('refuses a malformed code, an unknown field or an empty change with 400 without spending an attempt', async () => {
    const h = await registerHospital(t);
    const code = await freshCode(t, h);
    for (const payload of [{ otp: '12ab56', name: 'X' }, { otp: code, subdomain: 'other' }, { otp: code }, { otp: code, timezone: 'Mars/Base' }]) {
      const res = await patch(t, h, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
    }
    expect((await patch(t, h, { otp: code, address: null })).statusCode).toBe(200);
  });

  it('answers OTP_INVALID for wrong codes and refuses the fourth guess even with the right code', async () => {
    const h = await registerHospital(t);
    const code = await freshCode(t, h);
    const left: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await patch(t, h, { otp: wrong(code), name: 'Guess' });
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('OTP_INVALID');
      left.push(res.json().details.attemptsLeft);
    }
    expect(left).toEqual([2, 1, 0]);
    const fourth = await patch(t, h, { otp: code, name: 'Guess' });
    expect(fourth.statusCode).toBe(422);
    expect(fourth.json().code).toBe('OTP_ATTEMPTS_EXCEEDED');
    const me = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: h.auth });
    expect(me.json().data.name).toBe('Test Clinic');
    // A new code starts over.
    expect((await patch(t, h, { otp: await freshCode(t, h), name: 'Finally' })).statusCode).toBe(200);
  });

  it('refuses a used code with OTP_EXPIRED, and a replaced one too', async () => {
    const h = await registerHospital(t);
    const code = await freshCode(t, h);
    expect((await patch(t, h, { otp: code, name: 'Once' })).statusCode).toBe(200);
    const again = await patch(t, h, { otp: code, name: 'Twice' });
    expect(again.statusCode).toBe(422);
    expect(again.json().code).toBe('OTP_EXPIRED');
    const first = await freshCode(t, h);
    const second = await freshCode(t, h);
    if (first !== second) {
      const old = await patch(t, h, { otp: first, name: 'Old code' });
      expect(old.json().code).toBe('OTP_INVALID');
    }
    expect((await patch(t, h, { otp: second, name: 'New code' })).statusCode).toBe(200);
  });

  it('lets exactly one of two concurrent submissions of the right code through', async () => {
    const h = await registerHospital(t);
    for (let round = 0; round < 3; round++) {
      const code = await freshCode(t, h);
      const results = await Promise.all([patch(t, h, { otp: code, name: `A${round}` }), patch(t, h, { otp: code, name: `B${round}` })]);
      const statuses = results.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([200, 422]);
      expect(results.find((r) => r.statusCode === 422)!.json().code).toBe('OTP_EXPIRED');
    }
  });

  it('answers OTP_EXPIRED after the configured lifetime', async () => {
    const short = await createTestApp({ env: { OTP_TTL_SECONDS: '1', OTP_REQUEST_INTERVAL_SECONDS: '0' } });
    try {
      const h = await registerHospital(short);
      const code = await freshCode(short, h);
      await new Promise((r) => setTimeout(r, 1_100));
      const res = await patch(short, h, { otp: code, name: 'Too late' });
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('OTP_EXPIRED');
    } finally {
      await short.close();
    }
  });
});

describe('OTP request limits (defaults: 1 per 60 s, 3 per 15 min)', () => {
  let d: TestApp;
  beforeAll(async () => {
    d = await createTestApp();
  });
  afterAll(async () => {
    await d.close();
  });

  it('allows one request per 60 seconds with Retry-After', async () => {
    const h = await registerHospital(d);
    expect((await requestOtp(d, h)).statusCode).toBe(202);
    const again = await requestOtp(d, h);
    expect(again.statusCode).toBe(429);
    expect(again.json().code).toBe('RATE_LIMITED');
    const retryAfter = Number(again.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(55);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(again.json().details.retryAfterSeconds).toBe(retryAfter);
    // Per hospital: another hospital is not affected.
    expect((await requestOtp(d, await registerHospital(d))).statusCode).toBe(202);
  });

  it('allows three requests per 15 minutes with Retry-After until the oldest leaves the window', async () => {
    const w = await createTestApp({ env: { OTP_REQUEST_INTERVAL_SECONDS: '0' } });
    try {
      const h = await registerHospital(w);
      for (let i = 0; i < 3; i++) expect((await requestOtp(w, h)).statusCode).toBe(202);
      const fourth = await requestOtp(w, h);
      expect(fourth.statusCode).toBe(429);
      const retryAfter = Number(fourth.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(850);
      expect(retryAfter).toBeLessThanOrEqual(900);
      const emails = await rawRows<{ n: number }>(w.deps.database.db, sql`select count(*)::int as n from outbox where hospital_id = ${h.id} and payload->>'template' = 'otp'`);
      expect(emails[0]!.n).toBe(3);
    } finally {
      await w.close();
    }
  });
});
