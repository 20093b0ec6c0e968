/**
 * Joining the waitlist is idempotent per patient and target, on both
 * targets: a second join (staff or the patient's manage link) over any of
 * the same days answers the entry there is with 200 instead of adding one,
 * under concurrency too (the exclusion constraint waitlist_entries_one_active_per_scope);
 * the manage view says which entry the patient already waits by, and the
 * hospital's phone to call.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { action, addPatient, appointmentTestEnv, bookingFixture, bookOk, daysAheadAt, type BookingFixture } from '../../../test/helpers/appointment-factories.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { uniqueEmail } from '../../../test/helpers/factories.ts';
import { createVisitType } from '../../../test/helpers/visit-factories.ts';
import { rawRows } from '../../infra/db/client.ts';
import { createSignedTokens } from '../../infra/crypto/signed-token.ts';
import { createManageLinks } from '../manage/manage-links.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: appointmentTestEnv });
});
afterAll(async () => {
  await t?.close();
});

const localDate = (days: number) => daysAheadAt(days, 0).toISOString().slice(0, 10);

const staffJoin = (f: BookingFixture, body: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/v1/waitlist', headers: f.auth, payload: body });

async function manageToken(f: BookingFixture, days: number, patientId = f.patientId) {
  const visit = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId, start: daysAheadAt(days, 10).toISOString(), durationMinutes: 30 });
  const links = createManageLinks(createSignedTokens(t.deps.serverSecret), t.config.env.PUBLIC_BASE_URL);
  return { visit, token: links.manageUrl({ hospitalId: f.hospital.id, id: visit.id, endsAt: new Date(visit.end) }).split('/manage/')[1]! };
}

const activeEntries = (hospitalId: string, patientId: string) =>
  rawRows<{ id: string; earliest: string; latest: string }>(
    t.deps.database.db,
    sql`select id, earliest::text, latest::text from waitlist_entries
         where hospital_id = ${hospitalId}::uuid and patient_id = ${patientId}::uuid and status = 'active' order by created_at, id`,
  );

const addedAudits = async (hospitalId: string) =>
  (
    await rawRows<{ n: number }>(
      t.deps.database.db,
      sql`select count(*)::int as n from audit_events where hospital_id = ${hospitalId}::uuid and action = 'waitlist.entry_added'`,
    )
  )[0]!.n;

describe('joining the waitlist twice', () => {
  it('staff: the same or an overlapping range answers the first entry with 200; other days, targets or patients add one', async () => {
    const f = await bookingFixture(t);
    const body = { patientId: f.patientId, doctorId: f.doctorId, earliest: localDate(1), latest: localDate(10) };
    const first = await staffJoin(f, body);
    expect(first.statusCode, first.body).toBe(201);
    const again = await staffJoin(f, body);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ data: { id: first.json().data.id, earliest: localDate(1), latest: localDate(10) }, message: 'Already on the waitlist' });
    const overlapping = await staffJoin(f, { ...body, earliest: localDate(10), latest: localDate(20), note: 'Afternoons' });
    expect(overlapping.statusCode).toBe(200);
    expect(overlapping.json().data).toMatchObject({ id: first.json().data.id, note: null });
    expect(await addedAudits(f.hospital.id)).toBe(1);

    // Days after the first range, the visit type instead of the doctor, or both: each a target of its own.
    const type = await createVisitType(t, f.auth, { name: 'Check-up', durationMinutes: 30, doctorIds: [f.doctorId] });
    const others = [
      { ...body, earliest: localDate(11), latest: localDate(12) },
      { patientId: f.patientId, visitTypeId: type.id, earliest: localDate(1), latest: localDate(10) },
      { ...body, visitTypeId: type.id },
      { ...body, patientId: await addPatient(t, f.auth, { name: 'Other', email: uniqueEmail('other'), notificationChannel: 'email' }) },
    ];
    for (const other of others) expect((await staffJoin(f, other)).statusCode).toBe(201);
    expect(await activeEntries(f.hospital.id, f.patientId)).toHaveLength(4);

    // Once removed, the entry no longer counts: joining again adds a new one.
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/waitlist/${first.json().data.id}`, headers: f.auth })).statusCode).toBe(200);
    const rejoined = await staffJoin(f, body);
    expect(rejoined.statusCode).toBe(201);
    expect(rejoined.json().data.id).not.toBe(first.json().data.id);
  });

  it('ten joins at once, from the manage link and the front desk: exactly one entry, one 201 and nine 200 with its id', async () => {
    const f = await bookingFixture(t);
    const { token } = await manageToken(f, 9);
    const body = { patientId: f.patientId, doctorId: f.doctorId, earliest: localDate(0), latest: localDate(8) };
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 ? staffJoin(f, body) : t.app.inject({ method: 'POST', url: `/v1/public/manage/${token}/waitlist`, payload: {} }),
      ),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const entries = await activeEntries(f.hospital.id, f.patientId);
    expect(entries).toHaveLength(1);
    expect(new Set(answers.map((r) => r.json().data.id))).toEqual(new Set([entries[0]!.id]));
    expect(await addedAudits(f.hospital.id)).toBe(1);
  });

  it("the manage view names the entry the patient waits by (and the hospital's phone); a second join from the link answers it", async () => {
    const f = await bookingFixture(t);
    await t.deps.database.db.execute(sql`update hospitals set phone = '+4930123456' where id = ${f.hospital.id}::uuid`);
    const { token, visit } = await manageToken(f, 9);
    const view = async () => (await t.app.inject({ method: 'GET', url: `/v1/public/manage/${token}` })).json().data;
    expect(await view()).toMatchObject({ hospital: { phone: '+4930123456' }, waitlist: null });

    const joined = await t.app.inject({ method: 'POST', url: `/v1/public/manage/${token}/waitlist`, payload: { earliest: localDate(2), latest: localDate(5) } });
    expect(joined.statusCode, joined.body).toBe(201);
    const entry = joined.json().data;
    expect(await view()).toMatchObject({ waitlist: { id: entry.id, earliest: localDate(2), latest: localDate(5), createdAt: entry.createdAt } });
    const twice = await t.app.inject({ method: 'POST', url: `/v1/public/manage/${token}/waitlist`, payload: {} });
    expect(twice.statusCode).toBe(200);
    expect(twice.json().data).toMatchObject({ id: entry.id, earliest: localDate(2), latest: localDate(5) });

    // Another visit of the same patient and doctor shows the same entry while their days overlap.
    const later = await manageToken(f, 14);
    expect((await t.app.inject({ method: 'GET', url: `/v1/public/manage/${later.token}` })).json().data.waitlist).toMatchObject({ id: entry.id });

    // Staff take it off: the view no longer shows it; a cancelled visit's link is dead as before.
    await t.app.inject({ method: 'DELETE', url: `/v1/waitlist/${entry.id}`, headers: f.auth });
    expect((await view()).waitlist).toBeNull();
    expect((await action(t, f.auth, visit.id, 'cancel', {})).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `/v1/public/manage/${token}` })).statusCode).toBe(404);
  });

  it('erasing the patient removes the entry, so nothing of it blocks or shows', async () => {
    const f = await bookingFixture(t);
    const joined = await staffJoin(f, { patientId: f.patientId, doctorId: f.doctorId, earliest: localDate(1), latest: localDate(10), note: 'Mornings' });
    expect(joined.statusCode).toBe(201);
    const erased = await t.app.inject({ method: 'POST', url: `/v1/patients/${f.patientId}/erase`, headers: f.auth, payload: { reason: 'Patient request' } });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(erased.json().data.steps).toMatchObject({ waitlistEntriesRemoved: 1 });
    expect(await activeEntries(f.hospital.id, f.patientId)).toEqual([]);
  });
});
