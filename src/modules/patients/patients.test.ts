import { sql } from 'drizzle-orm';
import { Temporal } from 'temporal-polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { registerHospital } from '../../../test/helpers/factories.ts';
import { addMember } from '../../../test/helpers/member-factories.ts';
import { createPatient } from '../../../test/helpers/scheduling-factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'false' } });
});
afterAll(async () => {
  await t.close();
});

const inject = (method: 'GET' | 'POST' | 'PATCH', url: string, headers?: { authorization: string }, payload?: unknown) =>
  t.app.inject({ method, url, ...(headers ? { headers } : {}), ...(payload === undefined ? {} : { payload: payload as object }) });

describe('patients', () => {
  it('creates with the default channel, reads, updates and audits field names only', async () => {
    const h = await registerHospital(t);
    const withEmail = await inject('POST', '/v1/patients', h.auth, { name: 'Ann Email', email: 'Ann@Example.test', phone: '+14155550100', dateOfBirth: '1980-02-29' });
    expect(withEmail.statusCode).toBe(201);
    const ann = withEmail.json().data;
    expect(ann).toMatchObject({ name: 'Ann Email', email: 'ann@example.test', phone: '+14155550100', dateOfBirth: '1980-02-29', notificationChannel: 'email' });
    expect((await createPatient(t, h.auth, { name: 'Sam Sms', phone: '+447700900123' })) as unknown).toMatchObject({ notificationChannel: 'sms' });
    expect((await createPatient(t, h.auth, { name: 'Nora None' })) as unknown).toMatchObject({ notificationChannel: 'none', email: null, phone: null, dateOfBirth: null });
    expect((await createPatient(t, h.auth, { name: 'Opt Out', email: 'o@example.test', notificationChannel: 'none' })) as unknown).toMatchObject({
      notificationChannel: 'none',
    });

    expect((await inject('GET', `/v1/patients/${ann.id}`, h.auth)).json().data).toEqual(ann);
    const patch = await inject('PATCH', `/v1/patients/${ann.id}`, h.auth, { notificationChannel: 'sms', email: null, dateOfBirth: null });
    expect(patch.statusCode).toBe(200);
    expect(patch.json().data).toMatchObject({ notificationChannel: 'sms', email: null, dateOfBirth: null, phone: '+14155550100' });

    const audits = await rawRows<{ action: string; changes: string[] }>(
      t.deps.database.db,
      sql`select action, changes from audit_events where hospital_id = ${h.id} and entity_id = ${ann.id} order by created_at`,
    );
    expect(audits).toEqual([
      { action: 'patient.created', changes: ['name', 'email', 'phone', 'dateOfBirth'] },
      { action: 'patient.updated', changes: ['notificationChannel', 'email', 'dateOfBirth'] },
    ]);
  });

  it('keeps the notification channel reachable (email needs an email, sms a phone)', async () => {
    const h = await registerHospital(t);
    const noEmail = await inject('POST', '/v1/patients', h.auth, { name: 'X', phone: '+14155550100', notificationChannel: 'email' });
    expect(noEmail.statusCode).toBe(400);
    expect(noEmail.json().details.fields[0].field).toBe('notificationChannel');
    const noPhone = await inject('POST', '/v1/patients', h.auth, { name: 'X', email: 'x@example.test', notificationChannel: 'sms' });
    expect(noPhone.statusCode).toBe(400);
    const p = await createPatient(t, h.auth, { name: 'Has Email', email: 'e@example.test' });
    const removeEmail = await inject('PATCH', `/v1/patients/${p.id}`, h.auth, { email: null });
    expect(removeEmail.statusCode).toBe(400);
    expect(removeEmail.json().details.fields[0].field).toBe('notificationChannel');
    expect((await inject('PATCH', `/v1/patients/${p.id}`, h.auth, { email: null, notificationChannel: 'none' })).statusCode).toBe(200);
  });

  it('refuses a birth date in the future (hospital-local today) or impossible', async () => {
    const h = await registerHospital(t, { timezone: 'Pacific/Kiritimati' });
    const tomorrow = Temporal.Now.plainDateISO('Pacific/Kiritimati').add({ days: 1 }).toString();
    const today = Temporal.Now.plainDateISO('Pacific/Kiritimati').toString();
    const future = await inject('POST', '/v1/patients', h.auth, { name: 'Future', dateOfBirth: tomorrow });
    expect(future.statusCode).toBe(400);
    expect(future.json().details.fields[0]).toMatchObject({ field: 'dateOfBirth', message: 'must not be in the future' });
    expect((await inject('POST', '/v1/patients', h.auth, { name: 'Newborn', dateOfBirth: today })).statusCode).toBe(201);
    expect((await inject('POST', '/v1/patients', h.auth, { name: 'Old', dateOfBirth: '1850-01-01' })).statusCode).toBe(400);
    expect((await inject('POST', '/v1/patients', h.auth, { name: 'Leap', dateOfBirth: '2001-02-29' })).statusCode).toBe(400);
  });

  it('searches name, email and phone (case-insensitive, phone punctuation ignored) with cursor pagination by name', async () => {
    const h = await registerHospital(t);
    await createPatient(t, h.auth, { name: 'Maria Garcia', email: 'maria.g@clinic.test', phone: '+34911234567' });
    await createPatient(t, h.auth, { name: 'Mario Rossi', email: 'rossi@example.test' });
    await createPatient(t, h.auth, { name: 'John Smith', phone: '+14155550199' });
    await createPatient(t, h.auth, { name: 'Percent 100%_done' });
    const names = async (query: string) =>
      (await inject('GET', `/v1/patients?search=${encodeURIComponent(query)}`, h.auth)).json().data.map((p: { name: string }) => p.name);
    expect(await names('mari')).toEqual(['Maria Garcia', 'Mario Rossi']);
    expect(await names('ROSSI@')).toEqual(['Mario Rossi']);
    expect(await names('clinic.test')).toEqual(['Maria Garcia']);
    expect(await names('(415) 555-0199')).toEqual(['John Smith']);
    expect(await names('+3491')).toEqual(['Maria Garcia']);
    // LIKE wildcards in the search are literal characters.
    expect(await names('%')).toEqual(['Percent 100%_done']);
    expect(await names('_')).toEqual(['Percent 100%_done']);
    expect(await names('nobody')).toEqual([]);

    const first = await inject('GET', '/v1/patients?limit=3', h.auth);
    expect(first.json().data.map((p: { name: string }) => p.name)).toEqual(['John Smith', 'Maria Garcia', 'Mario Rossi']);
    const second = await inject('GET', `/v1/patients?limit=3&cursor=${first.json().page.nextCursor}`, h.auth);
    expect(second.json().data.map((p: { name: string }) => p.name)).toEqual(['Percent 100%_done']);
    expect(second.json().page.nextCursor).toBeNull();
  });

  it('has trigram indexes that serve the search', async () => {
    // On a table this small the planner prefers the hospital_id index; with the
    // sequential scan off and no hospital filter the plan shows that each ILIKE
    // is an index condition on its trigram index (docs/scheduling.md has the
    // plan at 100k patients, where the planner picks them on its own).
    // (As the table owner, outside a tenant transaction, so the RLS policy adds no hospital filter either.)
    const plan = await t.deps.database.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      return rawRows<{ 'QUERY PLAN': string }>(
        tx,
        sql`explain select id from patients where name ilike '%garc%' or email ilike '%garc%' or phone ilike '%garc%'`,
      );
    });
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    for (const index of ['patients_name_trgm_idx', 'patients_email_trgm_idx', 'patients_phone_trgm_idx']) expect(text).toContain(index);
  });

  it('lets every role read, owner/admin/staff write, doctors not', async () => {
    const h = await registerHospital(t);
    const p = await createPatient(t, h.auth);
    const staff = await addMember(t, h, 'staff');
    const admin = await addMember(t, h, 'admin');
    const doctor = await addMember(t, h, 'doctor');
    for (const member of [staff, admin, doctor]) {
      expect((await inject('GET', '/v1/patients', member.auth)).statusCode).toBe(200);
      expect((await inject('GET', `/v1/patients/${p.id}`, member.auth)).statusCode).toBe(200);
    }
    expect((await inject('POST', '/v1/patients', staff.auth, { name: 'By Staff' })).statusCode).toBe(201);
    expect((await inject('PATCH', `/v1/patients/${p.id}`, admin.auth, { name: 'By Admin' })).statusCode).toBe(200);
    expect((await inject('POST', '/v1/patients', doctor.auth, { name: 'By Doctor' })).statusCode).toBe(403);
    expect((await inject('PATCH', `/v1/patients/${p.id}`, doctor.auth, { name: 'By Doctor' })).statusCode).toBe(403);
    expect((await inject('GET', '/v1/patients')).statusCode).toBe(401);
  });

  it("answers 404 for another hospital's patient on every route, and lists none of them", async () => {
    const a = await registerHospital(t);
    const b = await registerHospital(t);
    const p = await createPatient(t, a.auth, { name: 'Private Person', email: 'private@example.test' });
    expect((await inject('GET', `/v1/patients/${p.id}`, b.auth)).statusCode).toBe(404);
    const patch = await inject('PATCH', `/v1/patients/${p.id}`, b.auth, { name: 'Hijacked' });
    expect(patch.statusCode).toBe(404);
    expect(patch.json().code).toBe('NOT_FOUND');
    expect((await inject('GET', '/v1/patients?search=private', b.auth)).json().data).toEqual([]);
    expect((await inject('GET', `/v1/patients/${p.id}`, a.auth)).json().data.name).toBe('Private Person');
  });

  it.each([
    ['POST', '/v1/patients', {}, 'name'],
    ['POST', '/v1/patients', { name: '' }, 'name'],
    ['POST', '/v1/patients', { name: 'A', email: 'nope' }, 'email'],
    ['POST', '/v1/patients', { name: 'A', phone: '0044 20 7946 0000' }, 'phone'],
    ['POST', '/v1/patients', { name: 'A', dateOfBirth: '12/31/1990' }, 'dateOfBirth'],
    ['POST', '/v1/patients', { name: 'A', dateOfBirth: '1990-13-01' }, 'dateOfBirth'],
    ['POST', '/v1/patients', { name: 'A', notificationChannel: 'pigeon' }, 'notificationChannel'],
    ['POST', '/v1/patients', { name: 'A', hospitalId: '00000000-0000-4000-8000-000000000000' }, 'hospitalId'],
    ['POST', '/v1/patients', { name: 'A', notes: 'allergic' }, 'notes'],
    ['PATCH', '/v1/patients/{id}', {}, 'body'],
    ['PATCH', '/v1/patients/{id}', { name: null }, 'name'],
    ['PATCH', '/v1/patients/{id}', { phone: '+0' }, 'phone'],
    ['PATCH', '/v1/patients/{id}', { notificationChannel: null }, 'notificationChannel'],
    ['PATCH', '/v1/patients/bad-id', { name: 'x' }, 'id'],
    ['GET', '/v1/patients/bad-id', undefined, 'id'],
    ['GET', '/v1/patients?limit=-1', undefined, 'limit'],
    ['GET', '/v1/patients?search=', undefined, 'search'],
    ['GET', `/v1/patients?search=${'x'.repeat(101)}`, undefined, 'search'],
    ['GET', '/v1/patients?cursor=%%%', undefined, 'cursor'],
  ] as const)('%s %s %j -> 400 naming %s', async (method, url, payload, field) => {
    const h = await registerHospital(t);
    const p = await createPatient(t, h.auth);
    const res = await inject(method, url.replace('{id}', p.id), h.auth, payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_ERROR');
    expect(`${res.json().error} ${JSON.stringify(res.json().details ?? {})}`).toContain(field);
  });
});
