/**
 * The waitlist end to end, on both targets: staff add entries, a freed slot
 * is offered to the first matching entry by email (read from the SMTP peer or
 * the .eml files), the offer expires (its expires_at moved into the past in
 * the database, then the expiry task run: time is controlled, not waited
 * for), passes to the next entry, is accepted, declined, or accepted by
 * moving the patient's later visit; two engine runs for one slot make one
 * offer.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { action, addPatient, appointmentTestEnv, bookingFixture, bookOk, daysAheadAt, type BookingFixture } from '../../../test/helpers/appointment-factories.ts';
import { uniqueEmail } from '../../../test/helpers/factories.ts';
import { useMailApp, type Mail } from '../../../test/helpers/mailbox.ts';
import { eventually } from '../../../test/helpers/messaging.ts';
import { createVisitType } from '../../../test/helpers/visit-factories.ts';
import { rawRows } from '../../infra/db/client.ts';
import { createSignedTokens } from '../../infra/crypto/signed-token.ts';
import { TenantScope, withTenant } from '../../infra/db/tenant.ts';
import { offerSlot, systemActor } from './offer-engine.ts';
import { expireOffers } from './waitlist-tasks.ts';
import { createManageLinks } from '../manage/manage-links.ts';

const suite = useMailApp(appointmentTestEnv);
const { t } = suite;

type Auth = { authorization: string };
const db = () => t.deps.database.db;
const localDate = (days: number) => daysAheadAt(days, 0).toISOString().slice(0, 10);
const OFFER_LINK = /\/offers\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/;

async function join(auth: Auth, body: Record<string, unknown>): Promise<{ id: string; status: string }> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/waitlist', headers: auth, payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data;
}

async function waitingPatient(f: BookingFixture, name: string) {
  const email = uniqueEmail(name.toLowerCase());
  const id = await addPatient(t, f.auth, { name, email, notificationChannel: 'email' });
  return { id, email };
}

/** The offer emails a patient received (each carries an offer link). */
const offerMails = async (email: string) => (await suite.mailTo(email)).filter((m) => OFFER_LINK.test(m.text));
const tokenOf = (mail: Mail) => OFFER_LINK.exec(mail.text)![1]!;

async function offerMailFor(email: string, count = 1): Promise<Mail> {
  const mails = await eventually(() => offerMails(email), (m) => m.length >= count, `offer email #${count} to ${email}`, 30_000);
  return mails[count - 1]!;
}

const offersOf = (hospitalId: string) =>
  rawRows<{ id: string; entry_id: string; status: string; starts_at: Date; hold_appointment_id: string; appointment_id: string | null }>(
    db(),
    sql`select id, entry_id, status, starts_at, hold_appointment_id, appointment_id from waitlist_offers where hospital_id = ${hospitalId}::uuid order by created_at, id`,
  );

/**
 * Nothing of the hospital is left to deliver (reminders, due later, aside):
 * no outbox row waiting and no email or SMS still queued or retrying.
 */
const quiet = (hospitalId: string) =>
  eventually(
    () =>
      rawRows<{ pending: number; open: number }>(
        db(),
        sql`select (select count(*)::int from outbox where hospital_id = ${hospitalId}::uuid and published_at is null and type <> 'appointment.reminder') as pending,
                   (select count(*)::int from notification_deliveries where hospital_id = ${hospitalId}::uuid and status not in ('sent', 'dead', 'skipped')) as open`,
      ),
    ([row]) => row!.pending === 0 && row!.open === 0,
    'the outbox and the deliveries to drain',
    30_000,
  );

const publicOffer = (token: string, verb?: 'accept' | 'decline') =>
  verb
    ? t.app.inject({ method: 'POST', url: `/v1/public/offers/${token}/${verb}`, payload: {} })
    : t.app.inject({ method: 'GET', url: `/v1/public/offers/${token}` });

/** A booked appointment of a filler patient at `start`, to be cancelled (the freed slot). */
async function bookedSlot(f: BookingFixture, start: Date, extra: Record<string, unknown> = {}) {
  return bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: start.toISOString(), ...(extra.visitTypeId ? {} : { durationMinutes: 30 }), ...extra } as never);
}

describe('waitlist offers', () => {
  it('offers a cancelled slot to the first entry; on expiry to the second, who accepts; the third never hears', async () => {
    const f = await bookingFixture(t);
    const [ada, bob, cy] = [await waitingPatient(f, 'Ada'), await waitingPatient(f, 'Bob'), await waitingPatient(f, 'Cy')];
    const slot = daysAheadAt(3, 10);
    const appointment = await bookedSlot(f, slot);
    for (const p of [ada, bob, cy]) await join(f.auth, { patientId: p.id, doctorId: f.doctorId, earliest: localDate(1), latest: localDate(10) });

    expect((await action(t, f.auth, appointment.id, 'cancel', { reason: 'Patient ill' })).statusCode).toBe(200);
    const first = await offerMailFor(ada.email);
    const view = await publicOffer(tokenOf(first));
    expect(view.statusCode, view.body).toBe(200);
    expect(view.json().data).toMatchObject({ status: 'pending', start: slot.toISOString(), doctorName: 'Dr. Test', appointmentId: null });
    expect(view.body).not.toContain('Ada');
    // The hold takes the slot: nobody can book it meanwhile.
    const taken = await t.app.inject({ method: 'POST', url: '/v1/appointments', headers: f.auth, payload: { doctorId: f.doctorId, patientId: f.patientId, start: slot.toISOString(), durationMinutes: 30 } });
    expect(taken.statusCode).toBe(409);

    // Expiry, honestly: the offer's time is up (in the database), then the task runs.
    const [offer] = await offersOf(f.hospital.id);
    await db().execute(sql`update waitlist_offers set expires_at = now() - interval '1 minute' where id = ${offer!.id}::uuid`);
    expect((await expireOffers(db())).offers).toBe(1);
    const second = await offerMailFor(bob.email);
    expect((await publicOffer(tokenOf(first), 'accept')).statusCode).toBe(404);

    const accepted = await publicOffer(tokenOf(second), 'accept');
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(accepted.json().data).toMatchObject({ moved: false });
    const booked = await t.app.inject({ method: 'GET', url: `/v1/appointments/${accepted.json().data.appointmentId}`, headers: f.auth });
    expect(booked.json().data).toMatchObject({ patientId: bob.id, doctorId: f.doctorId, start: slot.toISOString(), status: 'scheduled' });
    // Used: the same link again is the same 404 as a forged one.
    expect((await publicOffer(tokenOf(second), 'accept')).statusCode).toBe(404);
    expect((await publicOffer(`${tokenOf(second)}x`)).statusCode).toBe(404);

    await quiet(f.hospital.id);
    expect(await offerMails(ada.email)).toHaveLength(1);
    expect(await offerMails(bob.email)).toHaveLength(1);
    expect(await suite.mailTo(cy.email)).toEqual([]);
    expect((await offersOf(f.hospital.id)).map((o) => o.status)).toEqual(['expired', 'accepted']);
    const list = await t.app.inject({ method: 'GET', url: '/v1/waitlist', headers: f.auth });
    expect(list.json().data.map((e: { patientId: string; status: string }) => [e.patientId, e.status])).toEqual([
      [ada.id, 'active'],
      [bob.id, 'booked'],
      [cy.id, 'active'],
    ]);
  });

  it('passes a declined offer to the next entry', async () => {
    const f = await bookingFixture(t);
    const [ada, bob] = [await waitingPatient(f, 'Ada'), await waitingPatient(f, 'Bob')];
    const slot = daysAheadAt(4, 9);
    const appointment = await bookedSlot(f, slot);
    for (const p of [ada, bob]) await join(f.auth, { patientId: p.id, doctorId: f.doctorId, earliest: localDate(0), latest: localDate(30) });
    expect((await action(t, f.auth, appointment.id, 'cancel', {})).statusCode).toBe(200);

    const declined = await publicOffer(tokenOf(await offerMailFor(ada.email)), 'decline');
    expect(declined.statusCode, declined.body).toBe(200);
    const next = await offerMailFor(bob.email);
    expect((await publicOffer(tokenOf(next))).json().data).toMatchObject({ status: 'pending', start: slot.toISOString() });
    await quiet(f.hospital.id);
    expect((await offersOf(f.hospital.id)).map((o) => o.status)).toEqual(['declined', 'pending']);
  });

  it("accepting moves the patient's later appointment of the same visit type into the offered slot", async () => {
    const f = await bookingFixture(t);
    const type = await createVisitType(t, f.auth, { name: 'Physio', durationMinutes: 30, doctorIds: [f.doctorId] });
    const ada = await waitingPatient(f, 'Ada');
    const later = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: ada.id, start: daysAheadAt(12, 9).toISOString(), visitTypeId: type.id } as never);
    const slot = daysAheadAt(5, 11);
    const freed = await bookedSlot(f, slot, { visitTypeId: type.id });
    await join(f.auth, { patientId: ada.id, visitTypeId: type.id, earliest: localDate(1), latest: localDate(11) });
    expect((await action(t, f.auth, freed.id, 'cancel', {})).statusCode).toBe(200);

    const accepted = await publicOffer(tokenOf(await offerMailFor(ada.email)), 'accept');
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(accepted.json().data).toEqual({ appointmentId: later.id, moved: true });
    const moved = await t.app.inject({ method: 'GET', url: `/v1/appointments/${later.id}`, headers: f.auth });
    expect(moved.json().data).toMatchObject({ patientId: ada.id, start: slot.toISOString(), status: 'scheduled' });
    const mine = await t.app.inject({ method: 'GET', url: `/v1/appointments?patientId=${ada.id}`, headers: f.auth });
    expect(mine.json().data).toHaveLength(1);
    await quiet(f.hospital.id);
  });

  it('two engine runs for one freed slot make one offer', async () => {
    const f = await bookingFixture(t);
    const [ada, bob] = [await waitingPatient(f, 'Ada'), await waitingPatient(f, 'Bob')];
    for (const p of [ada, bob]) await join(f.auth, { patientId: p.id, doctorId: f.doctorId, earliest: localDate(0), latest: localDate(30) });
    const start = daysAheadAt(6, 14);
    const slot = { doctorId: f.doctorId, visitTypeId: null, start, end: new Date(start.getTime() + 30 * 60_000) };
    const deps = { tokens: createSignedTokens(t.deps.serverSecret), publicBaseUrl: t.config.env.PUBLIC_BASE_URL };
    const run = (name: string) => withTenant(db(), f.hospital.id, (base) => offerSlot(new TenantScope(base.tx, f.hospital.id, systemActor(name)), slot, deps));
    const runs = await Promise.allSettled([run('first'), run('second')]);
    const offers = await offersOf(f.hospital.id);
    expect(offers).toHaveLength(1);
    expect(offers[0]!.status).toBe('pending');
    expect(runs.filter((r) => r.status === 'fulfilled' && r.value !== null)).toHaveLength(1);
    // A run afterwards (a redelivered task) offers nothing either.
    expect(await run('redelivered')).toBeNull();
    const offered = (await rawRows<{ patient_id: string }>(db(), sql`select e.patient_id from waitlist_entries e where e.id = ${offers[0]!.entry_id}::uuid`))[0]!.patient_id;
    const [to, other] = offered === ada.id ? [ada, bob] : [bob, ada];
    await offerMailFor(to.email);
    await quiet(f.hospital.id);
    expect(await offerMails(to.email)).toHaveLength(1);
    expect(await offerMails(other.email)).toEqual([]);
  });
});

describe('waitlist entries', () => {
  it('adds, lists in order of joining with filters and pages, and removes with an audit trail', async () => {
    const f = await bookingFixture(t);
    const other = await waitingPatient(f, 'Eve');
    const a = await join(f.auth, { patientId: f.patientId, doctorId: f.doctorId, earliest: localDate(1), latest: localDate(5), note: 'Mornings' });
    const b = await join(f.auth, { patientId: other.id, doctorId: f.doctorId, earliest: localDate(1), latest: localDate(1) });
    const first = await t.app.inject({ method: 'GET', url: '/v1/waitlist?limit=1', headers: f.auth });
    expect(first.json().data.map((e: { id: string }) => e.id)).toEqual([a.id]);
    const cursor = first.json().page.nextCursor;
    const rest = await t.app.inject({ method: 'GET', url: `/v1/waitlist?limit=1&cursor=${cursor}`, headers: f.auth });
    expect(rest.json().data.map((e: { id: string }) => e.id)).toEqual([b.id]);
    const filtered = await t.app.inject({ method: 'GET', url: `/v1/waitlist?patientId=${other.id}`, headers: f.auth });
    expect(filtered.json().data.map((e: { id: string }) => e.id)).toEqual([b.id]);

    const removed = await t.app.inject({ method: 'DELETE', url: `/v1/waitlist/${a.id}`, headers: f.auth });
    expect(removed.statusCode).toBe(200);
    expect(removed.json().data).toMatchObject({ id: a.id, status: 'removed', note: 'Mornings', source: 'staff' });
    const active = await t.app.inject({ method: 'GET', url: '/v1/waitlist?status=active', headers: f.auth });
    expect(active.json().data.map((e: { id: string }) => e.id)).toEqual([b.id]);
    const audit = await t.app.inject({ method: 'GET', url: '/v1/audit-events?entityType=waitlist_entry', headers: f.auth });
    expect(audit.json().data.map((e: { action: string }) => e.action).sort()).toEqual(['waitlist.entry_added', 'waitlist.entry_added', 'waitlist.entry_removed']);
  });

  it.each([
    [{ earliest: '2030-01-02', latest: '2030-01-01' }, 400, 'VALIDATION_ERROR'],
    [{ doctorId: undefined }, 400, 'VALIDATION_ERROR'],
    [{ patientId: '00000000-0000-4000-8000-000000000000' }, 404, 'NOT_FOUND'],
    [{ doctorId: '00000000-0000-4000-8000-000000000000' }, 404, 'NOT_FOUND'],
    [{ visitTypeId: '00000000-0000-4000-8000-000000000000' }, 404, 'NOT_FOUND'],
    [{ earliest: '2030-02-30' }, 400, 'VALIDATION_ERROR'],
  ])('refuses %j with %i %s', async (change, status, code) => {
    const f = await bookingFixture(t);
    const body = { patientId: f.patientId, doctorId: f.doctorId, earliest: '2030-01-01', latest: '2030-01-31', ...change };
    const res = await t.app.inject({ method: 'POST', url: '/v1/waitlist', headers: f.auth, payload: body });
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().code).toBe(code);
  });

  it('lets a patient join from their manage link: same doctor, today until the day before their visit; a dead link is 404', async () => {
    const f = await bookingFixture(t);
    const visit = await bookedSlot(f, daysAheadAt(9, 10));
    const links = createManageLinks(createSignedTokens(t.deps.serverSecret), t.config.env.PUBLIC_BASE_URL);
    const token = links.manageUrl({ hospitalId: f.hospital.id, id: visit.id, endsAt: new Date(visit.end) }).split('/manage/')[1]!;
    const joined = await t.app.inject({ method: 'POST', url: `/v1/public/manage/${token}/waitlist`, payload: {} });
    expect(joined.statusCode, joined.body).toBe(201);
    expect(joined.json().data).toMatchObject({ patientId: f.patientId, doctorId: f.doctorId, visitTypeId: null, source: 'patient', earliest: localDate(0), latest: localDate(8) });
    const [audit] = await rawRows<{ actor_type: string; actor_patient_id: string }>(
      db(),
      sql`select actor_type, actor_patient_id from audit_events where hospital_id = ${f.hospital.id}::uuid and action = 'waitlist.entry_added'`,
    );
    expect(audit).toEqual({ actor_type: 'patient', actor_patient_id: f.patientId });
    expect((await t.app.inject({ method: 'POST', url: `/v1/public/manage/${token.slice(0, -2)}xx/waitlist`, payload: {} })).statusCode).toBe(404);
    expect((await action(t, f.auth, visit.id, 'cancel', {})).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: `/v1/public/manage/${token}/waitlist`, payload: {} })).statusCode).toBe(404);
  });

  it("erasing a patient withdraws their offer, removes their entries and passes the slot on; the export lists them", async () => {
    const f = await bookingFixture(t);
    const [ada, bob] = [await waitingPatient(f, 'Ada'), await waitingPatient(f, 'Bob')];
    const slot = daysAheadAt(7, 10);
    const appointment = await bookedSlot(f, slot);
    for (const p of [ada, bob]) await join(f.auth, { patientId: p.id, doctorId: f.doctorId, earliest: localDate(0), latest: localDate(30), note: 'Call first' });
    const exported = await t.app.inject({ method: 'GET', url: `/v1/patients/${ada.id}/export`, headers: f.auth });
    expect(exported.statusCode, exported.body).toBe(200);
    const waiting = exported.json().entry.map((e: { resource: { resourceType: string; status: string } }) => e.resource).filter((r: { status: string }) => r.status === 'waitlist');
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ resourceType: 'Appointment', requestedPeriod: [{ start: localDate(0), end: localDate(30) }] });

    expect((await action(t, f.auth, appointment.id, 'cancel', {})).statusCode).toBe(200);
    await offerMailFor(ada.email);
    const erased = await t.app.inject({ method: 'POST', url: `/v1/patients/${ada.id}/erase`, headers: f.auth, payload: { reason: 'Patient request' } });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(erased.json().data.steps).toMatchObject({ waitlistEntriesRemoved: 1 });
    await offerMailFor(bob.email);
    const entries = await t.app.inject({ method: 'GET', url: `/v1/waitlist?patientId=${ada.id}`, headers: f.auth });
    expect(entries.json().data).toMatchObject([{ status: 'removed', note: null }]);
    await quiet(f.hospital.id);
  });

  it("erasing a patient frees their future visits for the waitlist, as a cancellation does (no email to the erased patient)", async () => {
    const f = await bookingFixture(t);
    const leaving = await waitingPatient(f, 'Lea');
    const cy = await waitingPatient(f, 'Cy');
    const slot = daysAheadAt(6, 14);
    await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: leaving.id, start: slot.toISOString(), durationMinutes: 30 });
    await join(f.auth, { patientId: cy.id, doctorId: f.doctorId, earliest: localDate(1), latest: localDate(10) });
    const erased = await t.app.inject({ method: 'POST', url: `/v1/patients/${leaving.id}/erase`, headers: f.auth, payload: { reason: 'Patient request' } });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(erased.json().data.steps).toMatchObject({ futureAppointmentsCancelled: 1 });
    const offer = await publicOffer(tokenOf(await offerMailFor(cy.email)));
    expect(offer.json().data).toMatchObject({ status: 'pending', start: slot.toISOString() });
    await quiet(f.hospital.id);
    expect((await suite.mailTo(leaving.email)).filter((m) => /cancel/i.test(m.subject))).toEqual([]);
  });
});
