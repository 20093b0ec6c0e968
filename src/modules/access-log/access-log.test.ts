import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { insertPatients } from '../../../test/helpers/appointment-factories.ts';
import { noteAppointment, noteWorld, SAMPLE_NOTE, writeNote, type NoteWorld } from '../../../test/helpers/visit-note-factories.ts';

/** Access accounting: every read that names a patient leaves its access events, in the read's own transaction. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'false' } });
});
afterAll(async () => {
  await t.close();
});

type Auth = { authorization: string };
const get = (auth: Auth, url: string) => t.app.inject({ method: 'GET', url, headers: auth });

interface EventRow {
  patient_id: string;
  actor_user_id: string;
  actor_role: string;
  purpose: string;
  request_id: string;
}

async function events(hospitalId: string, purpose?: string): Promise<EventRow[]> {
  return rawRows<EventRow>(
    t.deps.database.db,
    sql`select patient_id, actor_user_id, actor_role, purpose, request_id from access_events
         where hospital_id = ${hospitalId} ${purpose ? sql`and purpose = ${purpose}` : sql``} order by at, id`,
  );
}

/** How many transactions wrote these events: rows share an xmin when one transaction inserted them. */
async function transactionsOf(hospitalId: string, purpose: string): Promise<number> {
  const [row] = await rawRows<{ n: number }>(
    t.deps.database.db,
    sql`select count(distinct xmin::text)::int as n from access_events where hospital_id = ${hospitalId} and purpose = ${purpose}`,
  );
  return row!.n;
}

describe('access events', () => {
  let w: NoteWorld;
  beforeAll(async () => {
    w = await noteWorld(t);
  });

  it('one patient read records who, with which role, for what and on which request', async () => {
    const res = await get(w.staff.auth, `/v1/patients/${w.patientId}`);
    expect(res.statusCode).toBe(200);
    const rows = await events(w.hospital.id, 'patient.read');
    expect(rows).toEqual([{ patient_id: w.patientId, actor_user_id: w.staff.userId, actor_role: 'staff', purpose: 'patient.read', request_id: res.headers['x-request-id'] }]);
  });

  it('a page of 100 patients is 100 events written in one transaction, and only the patients shown', async () => {
    const ids = await insertPatients(t, w.hospital.id, 120);
    const res = await get(w.admin.auth, '/v1/patients?limit=100');
    expect(res.statusCode).toBe(200);
    const shown = (res.json().data as { id: string }[]).map((p) => p.id);
    expect(shown).toHaveLength(100);
    const rows = await events(w.hospital.id, 'patient.list');
    expect(rows.map((r) => r.patient_id).sort()).toEqual([...shown].sort());
    expect(await transactionsOf(w.hospital.id, 'patient.list')).toBe(1);
    expect(ids.length).toBe(120);
  });

  it('a search records its results as patient.search', async () => {
    const res = await get(w.staff.auth, '/v1/patients?search=Note%20Patient');
    expect(res.statusCode).toBe(200);
    expect((await events(w.hospital.id, 'patient.search')).map((r) => r.patient_id)).toEqual([w.patientId]);
  });

  it('appointments (one and lists) and visit notes record the patient they name', async () => {
    const appointmentId = await noteAppointment(t, w);
    const note = await writeNote(t, w.doctor.auth, appointmentId, SAMPLE_NOTE);
    expect((await get(w.staff.auth, `/v1/appointments/${appointmentId}`)).statusCode).toBe(200);
    expect((await get(w.staff.auth, `/v1/appointments?patientId=${w.patientId}`)).statusCode).toBe(200);
    expect((await get(w.admin.auth, `/v1/visit-notes/${note.id}`)).statusCode).toBe(200);
    expect((await get(w.admin.auth, `/v1/visit-notes/${note.id}/versions`)).statusCode).toBe(200);
    expect((await get(w.otherDoctor.auth, `/v1/patients/${w.patientId}/visit-notes`)).statusCode).toBe(200);
    const rows = await events(w.hospital.id);
    const byPurpose = (purpose: string) => rows.filter((r) => r.purpose === purpose).map((r) => [r.patient_id, r.actor_user_id]);
    expect(byPurpose('appointment.read')).toEqual([[w.patientId, w.staff.userId]]);
    expect(byPurpose('appointment.list')).toEqual([[w.patientId, w.staff.userId]]);
    expect(byPurpose('visit_note.read')).toEqual([[w.patientId, w.admin.userId]]);
    expect(byPurpose('visit_note.history')).toEqual([[w.patientId, w.admin.userId]]);
    expect(byPurpose('visit_note.list')).toEqual([[w.patientId, w.otherDoctor.userId]]);
  });

  it('a read that cannot record its access fails and shows nothing', async () => {
    // A trigger refusing this hospital's access events stands in for a failing write (disk full, lost connection).
    await t.deps.database.db.execute(sql.raw(`
      create or replace function refuse_access_events_for_test() returns trigger language plpgsql as $$
      begin
        if NEW.hospital_id = '${w.hospital.id}' then raise exception 'access log unavailable'; end if;
        return NEW;
      end $$;`));
    await t.deps.database.db.execute(sql.raw(`
      create trigger refuse_access_events_for_test before insert on access_events for each row execute function refuse_access_events_for_test();`));
    try {
      const before = await events(w.hospital.id);
      const res = await get(w.staff.auth, `/v1/patients/${w.patientId}`);
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain('Note Patient');
      const list = await get(w.staff.auth, '/v1/patients');
      expect(list.statusCode).toBe(500);
      expect(await events(w.hospital.id)).toEqual(before);
    } finally {
      await t.deps.database.db.execute(sql.raw('drop trigger refuse_access_events_for_test on access_events'));
      await t.deps.database.db.execute(sql.raw('drop function refuse_access_events_for_test()'));
    }
  });
});

describe('GET /v1/patients/:id/access-log', () => {
  it('lists who saw the record, newest first, paginated; reading it is recorded and audited', async () => {
    const w = await noteWorld(t);
    await get(w.staff.auth, `/v1/patients/${w.patientId}`);
    await get(w.doctor.auth, `/v1/patients/${w.patientId}`);
    const first = await get(w.hospital.auth, `/v1/patients/${w.patientId}/access-log?limit=1`);
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.data).toHaveLength(1);
    expect(page1.data[0]).toMatchObject({ patientId: w.patientId, actorUserId: w.doctor.userId, actorRole: 'doctor', purpose: 'patient.read' });
    const second = await get(w.hospital.auth, `/v1/patients/${w.patientId}/access-log?limit=10&cursor=${encodeURIComponent(page1.page.nextCursor)}`);
    const rest = second.json().data as { purpose: string; actorUserId: string }[];
    // The first page read itself was recorded after the page was read: it shows on a fresh read, not the cursor page.
    expect(rest.map((e) => [e.purpose, e.actorUserId])).toEqual([['patient.read', w.staff.userId]]);
    const fresh = (await get(w.admin.auth, `/v1/patients/${w.patientId}/access-log`)).json().data as { purpose: string }[];
    expect(fresh.filter((e) => e.purpose === 'patient.access_log')).toHaveLength(2);
    const audit = await rawRows<{ action: string }>(
      t.deps.database.db,
      sql`select action from audit_events where hospital_id = ${w.hospital.id} and entity_id = ${w.patientId} and action = 'patient.access_log_read'`,
    );
    expect(audit).toHaveLength(3);
  });

  it('is for owners and admins only, and 404 for another hospital\u2019s patient', async () => {
    const w = await noteWorld(t);
    const other = await noteWorld(t);
    expect((await get(w.staff.auth, `/v1/patients/${w.patientId}/access-log`)).statusCode).toBe(403);
    expect((await get(w.doctor.auth, `/v1/patients/${w.patientId}/access-log`)).statusCode).toBe(403);
    expect((await get(w.hospital.auth, `/v1/patients/${other.patientId}/access-log`)).statusCode).toBe(404);
  });
});

/** drizzle wraps the driver's error: PostgreSQL's message is the cause's. */
const refused = (message: RegExp) => ({ cause: expect.objectContaining({ message: expect.stringMatching(message) }) });

describe('immutability', () => {
  it('refuses UPDATE and DELETE of access events, even by the owner role, outside the retention path', async () => {
    const w = await noteWorld(t);
    await get(w.staff.auth, `/v1/patients/${w.patientId}`);
    await expect(t.deps.database.db.execute(sql`update access_events set purpose = 'x' where hospital_id = ${w.hospital.id}`)).rejects.toMatchObject(refused(/append-only/));
    await expect(t.deps.database.db.execute(sql`delete from access_events where hospital_id = ${w.hospital.id}`)).rejects.toMatchObject(refused(/append-only/));
    // The application role has no grant at all.
    await expect(
      withTenant(t.deps.database.db, w.hospital.id, (scope) => scope.tx.execute(sql`delete from access_events where hospital_id = ${w.hospital.id}`)),
    ).rejects.toMatchObject(refused(/permission denied/));
    // A declared cutoff lets only older rows go.
    await expect(
      t.deps.database.db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('app.access_purge_before', ${new Date(Date.now() - 86_400_000).toISOString()}, true)`);
        await tx.execute(sql`delete from access_events where hospital_id = ${w.hospital.id}`);
      }),
    ).rejects.toMatchObject(refused(/append-only/));
    expect(await events(w.hospital.id)).toHaveLength(1);
  });
});
