import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { registerHospital } from '../../../test/helpers/factories.ts';
import { addMember, insertDoctors, newPlatformAdmin, newUser, type TestUser } from '../../../test/helpers/member-factories.ts';
import { createPlan, setPeriodEnd, subscriptionOf } from '../../../test/helpers/plan-factories.ts';
import { expireSubscriptions } from './expire.ts';
import { assertSubscriptionActive, isSubscriptionActive, periodEnd } from './plan-policy.ts';

let t: TestApp;
let operator: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  operator = await newPlatformAdmin(t);
});
afterAll(async () => {
  await t.close();
});

describe('the hospital subscription', () => {
  it('starts as a trial on the default plan with its limits and usage', async () => {
    const h = await registerHospital(t);
    const sub = await subscriptionOf(t, h);
    expect(sub).toMatchObject({
      hospitalId: h.id,
      status: 'trialing',
      isActive: true,
      plan: { code: 'trial', limits: { maxDoctors: 3, maxAppointmentsPerMonth: 300, smsEnabled: false } },
      usage: { doctors: 0, appointmentsThisMonth: 0 },
    });
    const days = (Date.parse(sub.currentPeriodEnd) - Date.parse(sub.currentPeriodStart)) / 86_400_000;
    expect(days).toBe(14);
  });

  it('is readable by owner and admin, changeable by the owner only', async () => {
    const h = await registerHospital(t);
    const admin = await addMember(t, h, 'admin');
    const staff = await addMember(t, h, 'staff');
    expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me/subscription', headers: admin.auth })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me/subscription', headers: staff.auth })).statusCode).toBe(403);
    const byAdmin = await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/subscription', headers: admin.auth, payload: { planCode: 'pro' } });
    expect(byAdmin.statusCode).toBe(403);
    expect((await subscriptionOf(t, h)).plan.code).toBe('trial');
  });

  it('moves a trial to an active monthly period on the chosen plan, audited', async () => {
    const h = await registerHospital(t);
    const res = await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/subscription', headers: h.auth, payload: { planCode: 'pro' } });
    expect(res.statusCode, res.body).toBe(200);
    const sub = res.json().data;
    expect(sub).toMatchObject({ status: 'active', isActive: true, plan: { code: 'pro', limits: { smsEnabled: true } } });
    expect(sub.currentPeriodEnd).toBe(periodEnd(new Date(sub.currentPeriodStart), 'month').toISOString());

    // Upgrading within an active period on the same interval keeps the dates.
    const again = await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/subscription', headers: h.auth, payload: { planCode: 'basic' } });
    expect(again.json().data).toMatchObject({ status: 'active', plan: { code: 'basic' }, currentPeriodEnd: sub.currentPeriodEnd });

    const audits = await rawRows<{ action: string; changes: string[]; metadata: unknown }>(
      t.deps.database.db,
      sql`select action, changes, metadata from audit_events where hospital_id = ${h.id} and entity_type = 'subscription' order by created_at`,
    );
    expect(audits).toEqual([
      {
        action: 'subscription.plan_changed',
        changes: ['plan', 'status', 'currentPeriodStart', 'currentPeriodEnd'],
        metadata: { from: { plan: 'trial', status: 'trialing' }, to: { plan: 'pro', status: 'active' } },
      },
      { action: 'subscription.plan_changed', changes: ['plan'], metadata: { from: { plan: 'pro', status: 'active' }, to: { plan: 'basic', status: 'active' } } },
    ]);
  });

  it('refuses a downgrade that current usage exceeds, with the numbers, and changes nothing', async () => {
    const h = await registerHospital(t);
    const small = await createPlan(t, operator, { limits: { maxDoctors: 1, maxAppointmentsPerMonth: 1000 } });
    await insertDoctors(t, h.id, 3);
    const res = await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/subscription', headers: h.auth, payload: { planCode: small.code } });
    expect(res.statusCode).toBe(403);
    const body = res.json();
    expect(body.code).toBe('PLAN_LIMIT_REACHED');
    expect(body.details).toEqual({
      plan: small.code,
      limitName: 'maxDoctors',
      limit: 1,
      current: 3,
      exceeded: { maxDoctors: { limit: 1, current: 3 } },
    });
    expect(body.error).toMatch(/maxDoctors 1 \(currently 3\)/);
    const sub = await subscriptionOf(t, h);
    expect(sub).toMatchObject({ status: 'trialing', plan: { code: 'trial' }, usage: { doctors: 3 } });

    // Deactivated doctors do not count; at the limit exactly is fine.
    await withTenant(t.deps.database.db, h.id, ({ tx }) =>
      tx.execute(sql`update doctors set active = false where hospital_id = ${h.id} and id in (select id from doctors where hospital_id = ${h.id} limit 2)`),
    );
    const ok = await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/subscription', headers: h.auth, payload: { planCode: small.code } });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it("counts this month's appointments against maxAppointmentsPerMonth, naming every limit exceeded", async () => {
    const h = await registerHospital(t);
    const tiny = await createPlan(t, operator, { limits: { maxDoctors: 0, maxAppointmentsPerMonth: 1 } });
    const [doctorId] = await insertDoctors(t, h.id, 1);
    await withTenant(t.deps.database.db, h.id, async ({ tx }) => {
      const [patient] = await rawRows<{ id: string }>(tx, sql`insert into patients (hospital_id, name) values (${h.id}, 'Pat') returning id`);
      for (const [offset, status] of [[0, 'scheduled'], [60, 'completed'], [120, 'cancelled']] as const) {
        await tx.execute(sql`insert into appointments (hospital_id, doctor_id, patient_id, starts_at, ends_at, status)
                             values (${h.id}, ${doctorId}, ${patient!.id}, now() + make_interval(mins => ${offset}::int) - interval '1 minute',
                                     now() + make_interval(mins => ${offset}::int), ${status})`);
      }
    });
    const res = await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/subscription', headers: h.auth, payload: { planCode: tiny.code } });
    expect(res.statusCode).toBe(403);
    expect(res.json().details.exceeded).toEqual({
      maxDoctors: { limit: 0, current: 1 },
      maxAppointmentsPerMonth: { limit: 1, current: 2 },
    });
  });

  it.each([
    ['an unknown plan', () => 'no-such-plan'],
    ['the trial plan', () => 'trial'],
  ])('refuses %s with 400 naming planCode', async (_label, code) => {
    const h = await registerHospital(t);
    const res = await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/subscription', headers: h.auth, payload: { planCode: code() } });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json().details)).toContain('planCode');
  });

  it('refuses a retired plan and malformed bodies', async () => {
    const h = await registerHospital(t);
    const retired = await createPlan(t, operator, { active: false });
    const res = await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/subscription', headers: h.auth, payload: { planCode: retired.code } });
    expect(res.statusCode).toBe(400);
    for (const payload of [{}, { planCode: 'pro', status: 'active' }, { planCode: 7 }]) {
      const bad = await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/subscription', headers: h.auth, payload });
      expect(bad.statusCode, JSON.stringify(payload)).toBe(400);
    }
  });

  it('lets the owner reactivate an ended subscription with a new period', async () => {
    const h = await registerHospital(t);
    await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/subscription', headers: h.auth, payload: { planCode: 'basic' } });
    await setPeriodEnd(t, h.id, new Date(Date.now() - 86_400_000).toISOString());
    expect(await subscriptionOf(t, h)).toMatchObject({ status: 'active', isActive: false });
    const res = await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/subscription', headers: h.auth, payload: { planCode: 'basic' } });
    expect(res.json().data).toMatchObject({ status: 'active', isActive: true, plan: { code: 'basic' } });
    expect(Date.parse(res.json().data.currentPeriodEnd)).toBeGreaterThan(Date.now());
  });
});

describe('operator subscription management', () => {
  it('sets plan, status and period end for a hospital, audited in its log', async () => {
    const h = await registerHospital(t);
    const end = new Date(Date.now() + 40 * 86_400_000).toISOString();
    const res = await t.app.inject({
      method: 'PUT',
      url: `/v1/admin/hospitals/${h.id}/subscription`,
      headers: operator.auth,
      payload: { planCode: 'pro', currentPeriodEnd: end },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toMatchObject({ status: 'active', plan: { code: 'pro' }, currentPeriodEnd: end, isActive: true });
    expect(await subscriptionOf(t, h)).toMatchObject({ status: 'active', plan: { code: 'pro' }, currentPeriodEnd: end });

    const pastDue = await t.app.inject({
      method: 'PUT',
      url: `/v1/admin/hospitals/${h.id}/subscription`,
      headers: operator.auth,
      payload: { planCode: 'pro', status: 'past_due' },
    });
    expect(pastDue.json().data).toMatchObject({ status: 'past_due', isActive: false });

    const log = await t.app.inject({ method: 'GET', url: '/v1/audit-events?entityType=subscription', headers: h.auth });
    const events = log.json().data as { action: string; actorUserId: string }[];
    expect(events.map((e) => e.action)).toEqual(['subscription.set_by_operator', 'subscription.set_by_operator']);
    expect(events[0]!.actorUserId).toBe(operator.userId);
  });

  it('answers 404 for an unknown hospital and 400 for an unknown plan or a period end before its start', async () => {
    const h = await registerHospital(t);
    const missing = await t.app.inject({ method: 'PUT', url: `/v1/admin/hospitals/${crypto.randomUUID()}/subscription`, headers: operator.auth, payload: { planCode: 'pro' } });
    expect(missing.statusCode).toBe(404);
    const unknownPlan = await t.app.inject({ method: 'PUT', url: `/v1/admin/hospitals/${h.id}/subscription`, headers: operator.auth, payload: { planCode: 'nope' } });
    expect(unknownPlan.statusCode).toBe(400);
    const past = await t.app.inject({
      method: 'PUT',
      url: `/v1/admin/hospitals/${h.id}/subscription`,
      headers: operator.auth,
      payload: { planCode: 'pro', currentPeriodEnd: '2020-01-01T00:00:00Z' },
    });
    expect(past.statusCode).toBe(400);
    expect(JSON.stringify(past.json().details)).toContain('currentPeriodEnd');
    const badStatus = await t.app.inject({ method: 'PUT', url: `/v1/admin/hospitals/${h.id}/subscription`, headers: operator.auth, payload: { planCode: 'pro', status: 'paused' } });
    expect(badStatus.statusCode).toBe(400);
  });

  it('lists hospitals newest first with subscription and usage, paginated', async () => {
    const older = await registerHospital(t);
    const newer = await registerHospital(t);
    await insertDoctors(t, newer.id, 2);
    const res = await t.app.inject({ method: 'GET', url: '/v1/admin/hospitals?limit=100', headers: operator.auth });
    expect(res.statusCode).toBe(200);
    const items = res.json().data as { id: string; subscription: { status: string; plan: { code: string } }; usage: { doctors: number } }[];
    const ids = items.map((i) => i.id);
    expect(ids.indexOf(newer.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(newer.id)).toBeLessThan(ids.indexOf(older.id));
    expect(items.find((i) => i.id === newer.id)).toMatchObject({
      subscription: { status: 'trialing', plan: { code: 'trial' } },
      usage: { doctors: 2, appointmentsThisMonth: 0 },
    });

    const first = await t.app.inject({ method: 'GET', url: '/v1/admin/hospitals?limit=1', headers: operator.auth });
    const cursor = first.json().page.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    const second = await t.app.inject({ method: 'GET', url: `/v1/admin/hospitals?limit=1&cursor=${cursor}`, headers: operator.auth });
    expect(second.json().data[0].id).not.toBe(first.json().data[0].id);
    const bad = await t.app.inject({ method: 'GET', url: '/v1/admin/hospitals?cursor=garbage', headers: operator.auth });
    expect(bad.statusCode).toBe(400);
  });
});

describe('status rules', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  const later = new Date('2026-03-11T12:00:00Z');
  it.each([
    ['trialing', later, true],
    ['active', later, true],
    ['active', now, false],
    ['trialing', new Date('2026-03-01T00:00:00Z'), false],
    ['past_due', later, false],
    ['cancelled', later, false],
  ] as const)('%s ending %s → active %s', (status, currentPeriodEnd, expected) => {
    expect(isSubscriptionActive({ status, currentPeriodEnd }, now)).toBe(expected);
  });

  it('assertSubscriptionActive throws 402 SUBSCRIPTION_INACTIVE with the status', () => {
    expect(() => assertSubscriptionActive({ status: 'past_due', currentPeriodEnd: later }, now)).toThrow(
      expect.objectContaining({ code: 'SUBSCRIPTION_INACTIVE', details: { status: 'past_due', currentPeriodEnd: later.toISOString() } }),
    );
    expect(() => assertSubscriptionActive(null, now)).toThrow(expect.objectContaining({ code: 'SUBSCRIPTION_INACTIVE' }));
    expect(() => assertSubscriptionActive({ status: 'active', currentPeriodEnd: later }, now)).not.toThrow();
  });

  it('periods are calendar months and years in UTC', () => {
    expect(periodEnd(new Date('2024-01-31T10:00:00Z'), 'month').toISOString()).toBe('2024-02-29T10:00:00.000Z');
    expect(periodEnd(new Date('2024-02-29T10:00:00Z'), 'year').toISOString()).toBe('2025-02-28T10:00:00.000Z');
  });
});

describe('expireSubscriptions (scheduled task)', () => {
  it('moves ended trials and periods to past_due, cancels after the grace period, audits each move once', async () => {
    const ended = await registerHospital(t);
    const longGone = await registerHospital(t);
    const running = await registerHospital(t);
    const now = new Date();
    await setPeriodEnd(t, ended.id, new Date(now.getTime() - 60_000).toISOString());
    await setPeriodEnd(t, longGone.id, new Date(now.getTime() - 20 * 86_400_000).toISOString());

    const [a, b] = await Promise.all([
      expireSubscriptions(t.deps.database.db, now, { graceDays: 14 }),
      expireSubscriptions(t.deps.database.db, now, { graceDays: 14 }),
    ]);
    // Other suites may share the database: at least ours moved, and never twice.
    expect(a.pastDue + b.pastDue).toBeGreaterThanOrEqual(2);
    expect(a.cancelled + b.cancelled).toBeGreaterThanOrEqual(1);

    expect(await subscriptionOf(t, ended)).toMatchObject({ status: 'past_due', isActive: false });
    expect(await subscriptionOf(t, longGone)).toMatchObject({ status: 'cancelled', isActive: false });
    expect(await subscriptionOf(t, running)).toMatchObject({ status: 'trialing', isActive: true });

    const events = await rawRows<{ hospital_id: string; action: string; actor_user_id: string | null }>(
      t.deps.database.db,
      sql`select hospital_id, action, actor_user_id from audit_events
           where hospital_id in (${ended.id}, ${longGone.id}, ${running.id}) and entity_type = 'subscription' order by action`,
    );
    expect(events).toEqual(
      expect.arrayContaining([
        { hospital_id: longGone.id, action: 'subscription.cancelled', actor_user_id: null },
        { hospital_id: ended.id, action: 'subscription.expired', actor_user_id: null },
        { hospital_id: longGone.id, action: 'subscription.expired', actor_user_id: null },
      ]),
    );
    expect(events).toHaveLength(3);

    // Reads keep working for an expired hospital.
    expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: longGone.auth })).statusCode).toBe(200);
  });
});

describe('a user without a hospital', () => {
  it('gets 403 on the hospital subscription', async () => {
    const u = await newUser(t);
    expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me/subscription', headers: u.auth })).statusCode).toBe(403);
  });
});
