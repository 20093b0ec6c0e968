import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { registerHospital, uniqueEmail, uniqueSubdomain } from '../../../test/helpers/factories.ts';
import { addMember } from '../../../test/helpers/member-factories.ts';
import { createDoctor } from '../../../test/helpers/scheduling-factories.ts';

let t: TestApp;
beforeAll(async () => {
  // Rate limits have their own suite; here they would only couple this file to others sharing Redis.
  t = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'false' } });
});
afterAll(async () => {
  await t.close();
});

const inject = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', url: string, headers?: { authorization: string }, payload?: unknown) =>
  t.app.inject({ method, url, ...(headers ? { headers } : {}), ...(payload === undefined ? {} : { payload: payload as object }) });

describe('doctors CRUD', () => {
  it('creates, reads, lists by name with cursors, updates and deactivates (history kept)', async () => {
    const h = await registerHospital(t);
    const create = await inject('POST', '/v1/doctors', h.auth, {
      name: 'Zoe Zed',
      email: 'Zoe@Example.test',
      phone: '+14155550123',
      specialization: 'Cardiology',
    });
    expect(create.statusCode).toBe(201);
    const zoe = create.json().data;
    expect(zoe).toMatchObject({ name: 'Zoe Zed', email: 'zoe@example.test', phone: '+14155550123', specialization: 'Cardiology', slotMinutes: 30, active: true, deactivatedAt: null });
    expect(zoe.id).toMatch(/^[0-9a-f-]{36}$/);
    await createDoctor(t, h.auth, { name: 'Adam Alpha', slotMinutes: 20 });
    await createDoctor(t, h.auth, { name: 'Mia Mid' });

    const first = await inject('GET', '/v1/doctors?limit=2', h.auth);
    expect(first.statusCode).toBe(200);
    expect(first.json().data.map((d: { name: string }) => d.name)).toEqual(['Adam Alpha', 'Mia Mid']);
    const cursor = first.json().page.nextCursor;
    expect(cursor).toEqual(expect.any(String));
    const second = await inject('GET', `/v1/doctors?limit=2&cursor=${cursor}`, h.auth);
    expect(second.json().data.map((d: { name: string }) => d.name)).toEqual(['Zoe Zed']);
    expect(second.json().page.nextCursor).toBeNull();

    const patch = await inject('PATCH', `/v1/doctors/${zoe.id}`, h.auth, { specialization: null, slotMinutes: 45, phone: null });
    expect(patch.statusCode).toBe(200);
    expect(patch.json().data).toMatchObject({ specialization: null, slotMinutes: 45, phone: null });

    const del = await inject('DELETE', `/v1/doctors/${zoe.id}`, h.auth);
    expect(del.statusCode).toBe(200);
    expect(del.json().data).toMatchObject({ id: zoe.id, active: false, deactivatedAt: expect.any(String) });
    // Kept and readable; filtered lists tell the two apart.
    expect((await inject('GET', `/v1/doctors/${zoe.id}`, h.auth)).json().data.active).toBe(false);
    const active = await inject('GET', '/v1/doctors?active=true', h.auth);
    expect(active.json().data.map((d: { name: string }) => d.name)).toEqual(['Adam Alpha', 'Mia Mid']);
    const inactive = await inject('GET', '/v1/doctors?active=false', h.auth);
    expect(inactive.json().data.map((d: { id: string }) => d.id)).toEqual([zoe.id]);
    // Deleting again is harmless.
    expect((await inject('DELETE', `/v1/doctors/${zoe.id}`, h.auth)).statusCode).toBe(200);

    const audits = await rawRows<{ action: string }>(
      t.deps.database.db,
      sql`select action from audit_events where hospital_id = ${h.id} and entity_id = ${zoe.id} order by created_at`,
    );
    expect(audits.map((a) => a.action)).toEqual(['doctor.created', 'doctor.updated', 'doctor.deactivated']);
  });

  it('refuses a second active doctor with the same email (409) but allows it after deactivation', async () => {
    const h = await registerHospital(t);
    const email = uniqueEmail('dup');
    const first = await createDoctor(t, h.auth, { email });
    const dup = await inject('POST', '/v1/doctors', h.auth, { name: 'Other', email: email.toUpperCase() });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'DOCTOR_EMAIL_TAKEN', details: { field: 'email' } });
    await inject('DELETE', `/v1/doctors/${first.id}`, h.auth);
    const again = await inject('POST', '/v1/doctors', h.auth, { name: 'Re-hired', email });
    expect(again.statusCode).toBe(201);
    // Reactivating the old record now collides with the new one.
    const reactivate = await inject('PATCH', `/v1/doctors/${first.id}`, h.auth, { active: true });
    expect(reactivate.statusCode).toBe(409);
    expect(reactivate.json().code).toBe('DOCTOR_EMAIL_TAKEN');
  });
});

describe("the plan's maxDoctors", () => {
  // The default trial plan allows 3 doctors (drizzle/0001_tenancy_rls.sql).
  it('answers 403 PLAN_LIMIT_REACHED with the limit and the count beyond it', async () => {
    const h = await registerHospital(t);
    for (let i = 0; i < 3; i++) await createDoctor(t, h.auth);
    const fourth = await inject('POST', '/v1/doctors', h.auth, { name: 'One Too Many', email: uniqueEmail('doc') });
    expect(fourth.statusCode).toBe(403);
    expect(fourth.json()).toMatchObject({ code: 'PLAN_LIMIT_REACHED', details: { limit: 3, current: 3 } });
  });

  it('counts active doctors only, and checks the limit when reactivating', async () => {
    const h = await registerHospital(t);
    const doctors = [await createDoctor(t, h.auth), await createDoctor(t, h.auth), await createDoctor(t, h.auth)];
    await inject('DELETE', `/v1/doctors/${doctors[0]!.id}`, h.auth);
    await createDoctor(t, h.auth);
    const reactivate = await inject('PATCH', `/v1/doctors/${doctors[0]!.id}`, h.auth, { active: true });
    expect(reactivate.statusCode).toBe(403);
    expect(reactivate.json()).toMatchObject({ code: 'PLAN_LIMIT_REACHED', details: { limit: 3, current: 3 } });
  });

  it('holds exactly under concurrent creations: 8 at once with 3 free places admit 3', async () => {
    const h = await registerHospital(t);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => inject('POST', '/v1/doctors', h.auth, { name: `Racer ${i}`, email: uniqueEmail('racer') })),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, 201, 201, 403, 403, 403, 403, 403]);
    const [row] = await rawRows<{ n: number }>(t.deps.database.db, sql`select count(*)::int as n from doctors where hospital_id = ${h.id} and active`);
    expect(row!.n).toBe(3);
  });
});

describe('roles', () => {
  it('lets staff and doctors read but only owner and admin manage doctors', async () => {
    const h = await registerHospital(t);
    const doctor = await createDoctor(t, h.auth);
    const admin = await addMember(t, h, 'admin');
    const staff = await addMember(t, h, 'staff');
    const doc = await addMember(t, h, 'doctor', { doctorId: doctor.id });
    for (const member of [staff, doc]) {
      expect((await inject('GET', '/v1/doctors', member.auth)).statusCode).toBe(200);
      expect((await inject('GET', `/v1/doctors/${doctor.id}`, member.auth)).statusCode).toBe(200);
      expect((await inject('POST', '/v1/doctors', member.auth, { name: 'X', email: uniqueEmail() })).statusCode).toBe(403);
      expect((await inject('PATCH', `/v1/doctors/${doctor.id}`, member.auth, { name: 'X' })).statusCode).toBe(403);
      expect((await inject('DELETE', `/v1/doctors/${doctor.id}`, member.auth)).statusCode).toBe(403);
    }
    expect((await inject('PATCH', `/v1/doctors/${doctor.id}`, admin.auth, { name: 'By Admin' })).statusCode).toBe(200);
    expect((await inject('GET', '/v1/doctors')).statusCode).toBe(401);
  });
});

describe('tenant isolation', () => {
  it("answers 404 for another hospital's doctor on every route", async () => {
    const a = await registerHospital(t);
    const b = await registerHospital(t);
    const doctor = await createDoctor(t, a.auth);
    const timeOff = await inject('POST', `/v1/doctors/${doctor.id}/time-off`, a.auth, { start: '2030-01-01T09:00:00Z', end: '2030-01-01T10:00:00Z' });
    expect(timeOff.statusCode).toBe(201);
    const routes: [method: 'GET' | 'PATCH' | 'DELETE' | 'PUT' | 'POST', url: string, payload?: unknown][] = [
      ['GET', `/v1/doctors/${doctor.id}`],
      ['PATCH', `/v1/doctors/${doctor.id}`, { name: 'Stolen' }],
      ['DELETE', `/v1/doctors/${doctor.id}`],
      ['GET', `/v1/doctors/${doctor.id}/schedule`],
      ['PUT', `/v1/doctors/${doctor.id}/schedule`, { weekly: [] }],
      ['POST', `/v1/doctors/${doctor.id}/time-off`, { start: '2030-01-02T09:00:00Z', end: '2030-01-02T10:00:00Z' }],
      ['GET', `/v1/doctors/${doctor.id}/time-off`],
      ['DELETE', `/v1/doctors/${doctor.id}/time-off/${timeOff.json().data.id}`],
      ['GET', `/v1/doctors/${doctor.id}/availability?from=2030-01-01&to=2030-01-07`],
      ['GET', `/v1/public/hospitals/${b.subdomain}/doctors/${doctor.id}/availability?from=2030-01-01&to=2030-01-07`],
    ];
    for (const [method, url, payload] of routes) {
      const res = await inject(method, url, b.auth, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().code).toBe('NOT_FOUND');
    }
    expect((await inject('GET', '/v1/doctors', b.auth)).json().data).toEqual([]);
    // Nothing of A changed.
    expect((await inject('GET', `/v1/doctors/${doctor.id}`, a.auth)).json().data).toMatchObject({ name: 'Dr. Test', active: true });
    expect((await inject('GET', `/v1/doctors/${doctor.id}/time-off`, a.auth)).json().data).toHaveLength(1);
  });
});

describe('public doctor list', () => {
  it('shows active doctors without contact details and hides deactivated ones', async () => {
    const h = await registerHospital(t);
    const shown = await createDoctor(t, h.auth, { name: 'Shown', phone: '+442071234567', specialization: 'GP' });
    const hidden = await createDoctor(t, h.auth, { name: 'Hidden' });
    await inject('DELETE', `/v1/doctors/${hidden.id}`, h.auth);
    const res = await inject('GET', `/v1/public/hospitals/${h.subdomain}/doctors`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual([{ id: shown.id, name: 'Shown', specialization: 'GP', slotMinutes: 30 }]);
    expect(res.body).not.toContain('@');
    expect(res.body).not.toContain('+44');
    expect((await inject('GET', `/v1/public/hospitals/${uniqueSubdomain()}/doctors`)).statusCode).toBe(404);
  });
});

describe('bad input is a 400 naming the field, never a 500', () => {
  it.each([
    ['POST', '/v1/doctors', { email: 'a@b.test' }, 'name'],
    ['POST', '/v1/doctors', { name: 'A' }, 'email'],
    ['POST', '/v1/doctors', { name: '   ', email: 'a@b.test' }, 'name'],
    ['POST', '/v1/doctors', { name: 'A', email: 'not-an-email' }, 'email'],
    ['POST', '/v1/doctors', { name: 'A', email: 'a@b.test', phone: '555-1234' }, 'phone'],
    ['POST', '/v1/doctors', { name: 'A', email: 'a@b.test', slotMinutes: 4 }, 'slotMinutes'],
    ['POST', '/v1/doctors', { name: 'A', email: 'a@b.test', slotMinutes: 241 }, 'slotMinutes'],
    ['POST', '/v1/doctors', { name: 'A', email: 'a@b.test', slotMinutes: 30.5 }, 'slotMinutes'],
    ['POST', '/v1/doctors', { name: 'A', email: 'a@b.test', hospitalId: '00000000-0000-0000-0000-000000000000' }, 'hospitalId'],
    ['POST', '/v1/doctors', { name: 'A', email: 'a@b.test', active: false }, 'active'],
    ['PATCH', '/v1/doctors/{id}', {}, 'body'],
    ['PATCH', '/v1/doctors/{id}', { slotMinutes: 0 }, 'slotMinutes'],
    ['PATCH', '/v1/doctors/{id}', { active: 'yes' }, 'active'],
    ['PATCH', '/v1/doctors/{id}', { id: '00000000-0000-0000-0000-000000000000' }, 'id'],
    ['GET', '/v1/doctors/not-a-uuid', undefined, 'id'],
    ['PATCH', '/v1/doctors/not-a-uuid', { name: 'x' }, 'id'],
    ['DELETE', '/v1/doctors/123', undefined, 'id'],
    ['GET', '/v1/doctors?limit=0', undefined, 'limit'],
    ['GET', '/v1/doctors?limit=101', undefined, 'limit'],
    ['GET', '/v1/doctors?cursor=garbage', undefined, 'cursor'],
    ['GET', '/v1/doctors?active=maybe', undefined, 'active'],
    ['GET', '/v1/doctors?sort=name', undefined, 'sort'],
    ['GET', '/v1/public/hospitals/{sub}/doctors?limit=1000', undefined, 'limit'],
  ] as const)('%s %s %j -> 400 (%s)', async (method, url, payload, field) => {
    const h = await registerHospital(t);
    const doctor = await createDoctor(t, h.auth);
    const res = await inject(method, url.replace('{id}', doctor.id).replace('{sub}', h.subdomain), h.auth, payload);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('VALIDATION_ERROR');
    expect(`${body.error} ${JSON.stringify(body.details ?? {})}`).toContain(field);
  });
});
