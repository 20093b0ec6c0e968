import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { bookingFixture, bookOk, daysAheadAt } from '../../../test/helpers/appointment-factories.ts';
import { registerHospital, uniqueEmail, uniqueSubdomain } from '../../../test/helpers/factories.ts';
import { canonicalTimeZone } from '../../shared/timezone.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

const bearer = async (email = uniqueEmail()) => ({ authorization: `Bearer ${await t.tokenFor(email)}` });
const validBody = () => ({ name: 'Clinic', subdomain: uniqueSubdomain(), email: uniqueEmail('c'), timezone: 'America/New_York' });

describe('POST /v1/hospitals', () => {
  it('registers the hospital, owner, trial subscription, welcome email and audit event in one go', async () => {
    const headers = await bearer();
    const body = { ...validBody(), phone: '+14155550123', address: '1 Main St' };
    const res = await t.app.inject({ method: 'POST', url: '/v1/hospitals', headers, payload: body });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created.message).toBe('Hospital registered');
    expect(created.data).toMatchObject({ name: 'Clinic', subdomain: body.subdomain, timezone: 'America/New_York', phone: '+14155550123' });
    expect(created.data.id).toMatch(/^[0-9a-f-]{36}$/);
    const id = created.data.id as string;
    const db = t.deps.database.db;
    const [member] = await rawRows<{ role: string }>(db, sql`select role from hospital_members where hospital_id = ${id}`);
    expect(member?.role).toBe('owner');
    const [sub] = await rawRows<{ status: string; code: string }>(
      db,
      sql`select s.status, p.code from hospital_subscriptions s join subscription_plans p on p.id = s.plan_id where s.hospital_id = ${id}`,
    );
    expect(sub).toEqual({ status: 'trialing', code: 'trial' });
    const outboxRows = await rawRows<{ queue: string; payload: { template: string; to: string } }>(
      db,
      sql`select queue, payload from outbox where hospital_id = ${id}`,
    );
    expect(outboxRows).toEqual([{ queue: 'email_notifications', payload: expect.objectContaining({ template: 'welcome', to: body.email }) }]);
    const audits = await rawRows<{ action: string }>(db, sql`select action from audit_events where hospital_id = ${id}`);
    expect(audits.map((a) => a.action)).toEqual(['hospital.registered']);

    const me = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers });
    expect(me.statusCode).toBe(200);
    expect(me.json().data).toEqual(created.data);
  });

  it('refuses a second hospital for the same user with HOSPITAL_EXISTS', async () => {
    const headers = await bearer();
    expect((await t.app.inject({ method: 'POST', url: '/v1/hospitals', headers, payload: validBody() })).statusCode).toBe(201);
    const again = await t.app.inject({ method: 'POST', url: '/v1/hospitals', headers, payload: validBody() });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('HOSPITAL_EXISTS');
  });

  it('lets exactly one of twenty concurrent registrations take a subdomain, leaving nothing half-written', async () => {
    const subdomain = uniqueSubdomain('race');
    const emails = Array.from({ length: 20 }, () => uniqueEmail('racer'));
    const results = await Promise.all(
      emails.map(async (email) =>
        t.app.inject({ method: 'POST', url: '/v1/hospitals', headers: await bearer(email), payload: { ...validBody(), subdomain } }),
      ),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const r of results.filter((r) => r.statusCode === 409)) expect(r.json().code).toBe('SUBDOMAIN_TAKEN');
    const db = t.deps.database.db;
    const [counts] = await rawRows<{ hospitals: number; members: number; outbox: number }>(
      db,
      sql`select (select count(*)::int from hospitals where subdomain = ${subdomain}) as hospitals,
                 (select count(*)::int from hospital_members m join hospitals h on h.id = m.hospital_id where h.subdomain = ${subdomain}) as members,
                 (select count(*)::int from outbox o where o.payload->>'template' = 'welcome' and o.payload->'data'->>'subdomain' = ${subdomain}) as outbox`,
    );
    expect(counts).toEqual({ hospitals: 1, members: 1, outbox: 1 });
    // The losers hold no membership: each can still register elsewhere.
    const loser = emails[statuses.indexOf(409) >= 0 ? results.findIndex((r) => r.statusCode === 409) : 0]!;
    const retry = await t.app.inject({ method: 'POST', url: '/v1/hospitals', headers: await bearer(loser), payload: validBody() });
    expect(retry.statusCode).toBe(201);
  });

  it.each([
    ['uppercase subdomain', { subdomain: 'MyClinic' }, 'subdomain'],
    ['too short subdomain', { subdomain: 'ab' }, 'subdomain'],
    ['leading hyphen', { subdomain: '-clinic' }, 'subdomain'],
    ['reserved subdomain', { subdomain: 'admin' }, 'subdomain'],
    ['unknown time zone', { timezone: 'Mars/Olympus' }, 'timezone'],
    ['offset instead of zone', { timezone: '+02:00' }, 'timezone'],
    ['bad email', { email: 'not-an-email' }, 'email'],
    ['phone not E.164', { phone: '0155 555' }, 'phone'],
    ['unknown field', { plan: 'enterprise' }, 'plan'],
    ['missing name', { name: undefined }, 'name'],
  ])('answers 400 VALIDATION_ERROR naming the field for %s', async (_label, patch, field) => {
    const payload = { ...validBody(), ...patch };
    const res = await t.app.inject({ method: 'POST', url: '/v1/hospitals', headers: await bearer(), payload });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(body.details)).toContain(field);
    expect(body.error).toEqual(expect.any(String));
  });

  it("accepts every zone the runtime's tz database knows, Etc/GMT+5 included, and the database reads each one", async () => {
    const fixed = Array.from({ length: 27 }, (_, i) => i - 14).map((h) => `Etc/GMT${h < 0 ? h : `+${h}`}`);
    const zones = [...Intl.supportedValuesOf('timeZone'), ...fixed, 'Etc/UTC', 'US/Eastern', 'America/Argentina/Buenos_Aires', 'Europe/Kyiv', 'GMT'];
    expect(zones.filter((z) => canonicalTimeZone(z) !== z)).toEqual([]);
    // Stored zones are used in SQL (`at time zone`): PostgreSQL must know every one the API accepts.
    const unknown = await rawRows<{ z: string }>(
      t.deps.database.db,
      sql`select z from unnest(${`{${zones.join(',')}}`}::text[]) z where not exists (select 1 from pg_timezone_names n where n.name = z)`,
    );
    expect(unknown).toEqual([]);
    for (const [sent, stored] of [['Etc/GMT+5', 'Etc/GMT+5'], ['etc/gmt-14', 'Etc/GMT-14'], ['US/Eastern', 'US/Eastern']]) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/hospitals', headers: await bearer(), payload: { ...validBody(), timezone: sent } });
      expect(res.statusCode, sent).toBe(201);
      expect(res.json().data.timezone).toBe(stored);
    }
    // Abbreviations and offsets are not zones.
    for (const timezone of ['PST', 'EST', 'CET', '+05:00', 'UTC+5', 'Etc/GMT+15']) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/hospitals', headers: await bearer(), payload: { ...validBody(), timezone } });
      expect(res.statusCode, timezone).toBe(400);
    }
  });

  it('books and offers slots in a fixed-offset zone (Etc/GMT+5 is UTC-5 all year)', async () => {
    const f = await bookingFixture(t, { timezone: 'Etc/GMT+5' });
    const start = daysAheadAt(5, 15);
    const booked = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: start.toISOString(), durationMinutes: 30 });
    expect(booked.start).toBe(start.toISOString());
    const day = new Date(start.getTime() - 5 * 3_600_000).toISOString().slice(0, 10);
    const res = await t.app.inject({ method: 'GET', url: `/v1/doctors/${f.doctorId}/availability?from=${day}&to=${day}`, headers: f.auth });
    expect(res.statusCode).toBe(200);
    const { timezone, slots } = res.json().data as { timezone: string; slots: { start: string }[] };
    expect(timezone).toBe('Etc/GMT+5');
    expect(slots.length).toBeGreaterThan(0);
    for (const slot of slots) expect(slot.start).toMatch(/-05:00$/);
    // The booked half hour is not offered.
    expect(slots.map((s) => new Date(s.start).getTime())).not.toContain(start.getTime());
  });

  it('answers malformed JSON, a non-JSON body and an oversized body with 4xx envelopes', async () => {
    const headers = await bearer();
    const malformed = await t.app.inject({ method: 'POST', url: '/v1/hospitals', headers: { ...headers, 'content-type': 'application/json' }, payload: '{"name":' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ code: 'VALIDATION_ERROR', error: 'The body is not valid JSON' });
    const text = await t.app.inject({ method: 'POST', url: '/v1/hospitals', headers: { ...headers, 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(415);
    expect(text.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const huge = await t.app.inject({
      method: 'POST',
      url: '/v1/hospitals',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ ...validBody(), address: 'x'.repeat(t.config.env.BODY_LIMIT_BYTES) }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('requires a token', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/hospitals', payload: validBody() });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('UNAUTHORIZED');
  });
});

describe('GET /v1/hospitals/me', () => {
  it('is 403 with a clear message for a signed-in user without a hospital', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: await bearer() });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatch(/not a member/);
  });
});

describe('settings', () => {
  it('reads defaults and updates them with an audit event', async () => {
    const h = await registerHospital(t);
    const get = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me/settings', headers: h.auth });
    expect(get.json().data).toEqual({ bookingHorizonDays: 90, minimumNoticeMinutes: 0, reminderOffsetsMinutes: [1440, 60], defaultLanguage: 'en', cancellationNoticeMinutes: 1440, waitlistOfferMinutes: 30 });
    const patch = await t.app.inject({
      method: 'PATCH',
      url: '/v1/hospitals/me/settings',
      headers: h.auth,
      payload: { bookingHorizonDays: 30, reminderOffsetsMinutes: [120], defaultLanguage: 'es-mx' },
    });
    expect(patch.statusCode).toBe(200);
    expect(patch.json().data).toEqual({ bookingHorizonDays: 30, minimumNoticeMinutes: 0, reminderOffsetsMinutes: [120], defaultLanguage: 'es-MX', cancellationNoticeMinutes: 1440, waitlistOfferMinutes: 30 });
    const again = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me/settings', headers: h.auth });
    expect(again.json().data.bookingHorizonDays).toBe(30);
    const audits = await rawRows<{ action: string; changes: string[] }>(
      t.deps.database.db,
      sql`select action, changes from audit_events where hospital_id = ${h.id} and action = 'hospital.settings_updated'`,
    );
    expect(audits).toEqual([{ action: 'hospital.settings_updated', changes: ['bookingHorizonDays', 'reminderOffsetsMinutes', 'defaultLanguage'] }]);
  });

  it.each([
    [{ bookingHorizonDays: 0 }],
    [{ bookingHorizonDays: 731 }],
    [{ minimumNoticeMinutes: -1 }],
    [{ reminderOffsetsMinutes: [1, 2, 3, 4, 5, 6] }],
    [{ reminderOffsetsMinutes: [0] }],
    [{ reminderOffsetsMinutes: [60, 60] }],
    [{}],
    [{ timezone: 'UTC' }],
  ])('refuses %j with 400', async (payload) => {
    const h = await registerHospital(t);
    const res = await t.app.inject({ method: 'PATCH', url: '/v1/hospitals/me/settings', headers: h.auth, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_ERROR');
  });
});

describe('GET /v1/public/hospitals/:subdomain', () => {
  it('shows the public profile without auth and without the contact email', async () => {
    const h = await registerHospital(t, { phone: '+442071234567' });
    const res = await t.app.inject({ method: 'GET', url: `/v1/public/hospitals/${h.subdomain}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ name: 'Test Clinic', subdomain: h.subdomain, phone: '+442071234567', address: null, timezone: 'Europe/Berlin' });
  });

  it('is 404 for an unknown subdomain', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/public/hospitals/${uniqueSubdomain()}` });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('NOT_FOUND');
  });
});
