import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../infra/db/tenant.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { registerHospital } from '../../../test/helpers/factories.ts';
import { addMember } from '../../../test/helpers/member-factories.ts';
import { patientActor, recordAudit } from './audit.repo.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

type Event = { id: string; action: string; entityType: string; entityId: string | null; actorType: string; actorUserId: string | null; actorPatientId: string | null; createdAt: string; updatedAt: string };

const list = async (auth: { authorization: string }, query = '') => {
  const res = await t.app.inject({ method: 'GET', url: `/v1/audit-events${query}`, headers: auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { data: Event[]; page: { nextCursor: string | null } };
};

/** Several events written in one transaction share a created_at: the cursor must still walk them all. */
async function seed(hospitalId: string, actorUserId: string, n: number, action = 'test.event') {
  const entityId = crypto.randomUUID();
  await withTenant(t.deps.database.db, hospitalId, async ({ tx }) => {
    for (let i = 0; i < n; i++) {
      await recordAudit({ tx, hospitalId, actor: { userId: actorUserId, requestId: `req-${i}` } }, {
        action,
        entityType: 'thing',
        entityId,
        changes: ['name'],
      });
    }
  });
  return entityId;
}

describe('GET /v1/audit-events', () => {
  it('shows the hospital its own events, newest first, to owner and admin only', async () => {
    const h = await registerHospital(t);
    const other = await registerHospital(t);
    await t.app.inject({ method: 'PATCH', url: '/v1/hospitals/me/settings', headers: h.auth, payload: { bookingHorizonDays: 10 } });
    const admin = await addMember(t, h, 'admin');
    const { data } = await list(admin.auth);
    expect(data.map((e) => e.action)).toEqual(['hospital.settings_updated', 'hospital.registered']);
    expect(data[0]).toMatchObject({ entityType: 'hospital', entityId: h.id, changes: ['bookingHorizonDays'], requestId: expect.any(String) });
    expect(data[0]!.updatedAt).toBe(data[0]!.createdAt);
    expect((await list(other.auth)).data.map((e) => e.entityId)).not.toContain(h.id);
    for (const role of ['staff', 'doctor'] as const) {
      const m = await addMember(t, h, role);
      expect((await t.app.inject({ method: 'GET', url: '/v1/audit-events', headers: m.auth })).statusCode).toBe(403);
    }
    expect((await t.app.inject({ method: 'GET', url: '/v1/audit-events' })).statusCode).toBe(401);
  });

  it('walks every event exactly once with the cursor, also within one transaction', async () => {
    const h = await registerHospital(t);
    const actor = crypto.randomUUID();
    await seed(h.id, actor, 7);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const res: { data: Event[]; page: { nextCursor: string | null } } = await list(h.auth, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...res.data.map((e) => e.id));
      cursor = res.page.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
  });

  it('filters by action, entity, actor and time range', async () => {
    const h = await registerHospital(t);
    const actor = crypto.randomUUID();
    const entityId = await seed(h.id, actor, 2, 'thing.touched');
    await seed(h.id, crypto.randomUUID(), 1, 'thing.other');
    expect((await list(h.auth, '?action=thing.touched')).data).toHaveLength(2);
    expect((await list(h.auth, `?entityType=thing&entityId=${entityId}`)).data).toHaveLength(2);
    expect((await list(h.auth, `?actorUserId=${actor}`)).data).toHaveLength(2);
    expect((await list(h.auth, '?entityType=thing')).data).toHaveLength(3);
    const [newest] = (await list(h.auth)).data;
    expect((await list(h.auth, `?from=${encodeURIComponent(newest!.createdAt)}`)).data.map((e) => e.id)).toContain(newest!.id);
    expect((await list(h.auth, `?to=${encodeURIComponent(newest!.createdAt)}&action=thing.other`)).data).toEqual([]);
    expect((await list(h.auth, '?from=2999-01-01T00:00:00Z')).data).toEqual([]);
  });

  it('tells staff actions and patient actions apart', async () => {
    const h = await registerHospital(t);
    const staff = crypto.randomUUID();
    const patientId = crypto.randomUUID();
    await seed(h.id, staff, 1, 'appointment.rescheduled');
    await withTenant(t.deps.database.db, h.id, async ({ tx }) => {
      await recordAudit({ tx, hospitalId: h.id, actor: patientActor(h.id, patientId, 'req-patient') }, { action: 'appointment.cancelled', entityType: 'appointment', entityId: crypto.randomUUID() });
    });
    const [byPatient] = (await list(h.auth, '?actorType=patient')).data;
    expect(byPatient).toMatchObject({ action: 'appointment.cancelled', actorType: 'patient', actorUserId: null, actorPatientId: patientId, requestId: 'req-patient' });
    expect((await list(h.auth, `?actorPatientId=${patientId}`)).data.map((e) => e.id)).toEqual([byPatient!.id]);
    const staffEvents = (await list(h.auth, '?actorType=user')).data;
    expect(staffEvents.find((e) => e.actorUserId === staff)).toMatchObject({ actorType: 'user', actorPatientId: null });
    expect(staffEvents.map((e) => e.actorType)).not.toContain('patient');
  });

  it.each([
    ['?actorType=robot', 'actorType'],
    ['?entityId=nope', 'entityId'],
    ['?actorUserId=1', 'actorUserId'],
    ['?from=yesterday', 'from'],
    ['?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
    ['?limit=0', 'limit'],
    ['?limit=101', 'limit'],
    ['?cursor=garbage', 'cursor'],
    [`?cursor=${Buffer.from(JSON.stringify(['not-a-date', crypto.randomUUID()])).toString('base64url')}`, 'cursor'],
    ['?colour=red', 'colour'],
  ])('answers %s with 400 naming %s', async (query, field) => {
    const h = await registerHospital(t);
    const res = await t.app.inject({ method: 'GET', url: `/v1/audit-events${query}`, headers: h.auth });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(res.json())).toContain(field);
  });

  it('keeps platform-level events (no hospital) out of every hospital log', async () => {
    const h = await registerHospital(t);
    await t.deps.database.db.execute(
      sql`insert into audit_events (hospital_id, actor_user_id, action, entity_type) values (null, ${crypto.randomUUID()}, 'plan.created', 'plan')`,
    );
    expect((await list(h.auth, '?action=plan.created')).data).toEqual([]);
  });
});
