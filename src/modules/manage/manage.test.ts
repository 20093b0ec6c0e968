/**
 * Manage links end to end (SPEC section 15): the link is read from the real
 * confirmation email (SMTP peer on the services target, .eml files in embedded
 * mode), then the patient sees, moves and cancels through it; the audit log
 * tells their actions from staff ones.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { createSignedTokens } from '../../infra/crypto/signed-token.ts';
import { appointmentTestEnv, bookingFixture, bookOk, daysAheadAt, minutesFromNow } from '../../../test/helpers/appointment-factories.ts';
import { uniqueEmail } from '../../../test/helpers/factories.ts';
import { useMailApp, type Mail } from '../../../test/helpers/mailbox.ts';
import { eventually } from '../../../test/helpers/messaging.ts';
import { onServices } from '../../../test/helpers/target.ts';
import { createResource, createVisitType } from '../../../test/helpers/visit-factories.ts';
import { createManageLinks, MANAGE_LINK_DAYS_AFTER_VISIT } from './manage-links.ts';

const suite = useMailApp(appointmentTestEnv);
const { t } = suite;

const LINK = /(https?:\/\/[^\s"<>]+\/manage\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+))/;

async function mailsMatching(address: string, subject: RegExp, count: number, what: string): Promise<Mail[]> {
  const mails = await eventually(() => suite.mailTo(address), (m) => m.filter((x) => subject.test(x.subject)).length >= count, what, 30_000);
  return mails.filter((x) => subject.test(x.subject));
}

/** The manage link in an email: the same one in the text and in the HTML. */
function linkOf(mail: Mail): { url: string; token: string } {
  const text = LINK.exec(mail.text);
  expect(text, `${mail.subject}: a manage link in the text`).not.toBeNull();
  expect(mail.html).toContain(`href="${text![1]}"`);
  return { url: text![1]!, token: text![2]! };
}

const manage = (token: string, verb = '', payload?: Record<string, unknown>, query = '') =>
  t.app.inject({ method: verb && verb !== 'availability' ? 'POST' : 'GET', url: `/v1/public/manage/${token}${verb ? `/${verb}` : ''}${query}`, ...(payload ? { payload } : {}) });

const auditOf = (hospitalId: string, appointmentId: string) =>
  rawRows<{ action: string; actor_type: string; actor_user_id: string | null; actor_patient_id: string | null }>(
    t.deps.database.db,
    sql`select action, actor_type, actor_user_id, actor_patient_id from audit_events
         where hospital_id = ${hospitalId}::uuid and entity_id = ${appointmentId}::uuid order by created_at`,
  );

describe('manage links', () => {
  it('the confirmation carries a link the patient sees, moves (a new link follows) and cancels with; then it is dead everywhere', async () => {
    const email = uniqueEmail('grace');
    const f = await bookingFixture(t, { patient: { name: 'Grace Hopper', email, notificationChannel: 'email' } });
    const room = await createResource(t, f.auth, { name: 'Room 7', kind: 'room' });
    // Staff-only visit type (not bookable online): the patient may still move their own visit.
    const type = await createVisitType(t, f.auth, { name: 'Check-up', durationMinutes: 30, doctorIds: [f.doctorId], requires: ['room'], bookableOnline: false });
    const start = daysAheadAt(5, 9);
    const booked = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: start.toISOString(), visitTypeId: type.id } as never);
    const [confirmation] = await mailsMatching(email, /confirmed/i, 1, 'the confirmation');
    const first = linkOf(confirmation!);
    expect(first.url.startsWith(`${t.config.env.PUBLIC_BASE_URL}/manage/`)).toBe(true);

    const seen = await manage(first.token);
    expect(seen.statusCode, seen.body).toBe(200);
    const view = seen.json().data;
    expect(view).toEqual({
      id: booked.id,
      status: 'scheduled',
      start: start.toISOString(),
      end: new Date(start.getTime() + 30 * 60_000).toISOString(),
      hospital: { name: 'Test Clinic', subdomain: f.hospital.subdomain, timezone: 'UTC', phone: null },
      doctor: { id: f.doctorId, name: expect.any(String) },
      visitType: { id: type.id, name: 'Check-up' },
      resources: ['Room 7'],
      changeableUntil: new Date(start.getTime() - 1440 * 60_000).toISOString(),
      waitlist: null,
    });
    // Nothing about the patient.
    expect(seen.body).not.toContain('Grace');
    expect(seen.body).not.toContain(email);
    expect(seen.body).not.toContain(f.patientId);

    const day = daysAheadAt(6, 0).toISOString().slice(0, 10);
    const free = await manage(first.token, 'availability', undefined, `?from=${day}&to=${day}`);
    expect(free.statusCode, free.body).toBe(200);
    expect(free.json().data).toMatchObject({ doctorId: f.doctorId, visitTypeId: type.id, slotMinutes: 30 });
    const target = free.json().data.slots.find((s: { start: string }) => new Date(s.start).getUTCHours() === 11);
    expect(target).toBeDefined();

    const moved = await manage(first.token, 'reschedule', { start: target.start });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().data).toMatchObject({ id: booked.id, status: 'scheduled', start: new Date(target.start).toISOString(), resources: ['Room 7'] });
    const [notice] = await mailsMatching(email, /moved/i, 1, 'the reschedule notice');
    const second = linkOf(notice!);
    expect(second.token).not.toBe(first.token);
    expect((await manage(second.token)).json().data.start).toBe(new Date(target.start).toISOString());

    const cancelled = await manage(second.token, 'cancel', { reason: 'Feeling better' });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json().data.status).toBe('cancelled');
    const [cancelMail] = await mailsMatching(email, /cancelled/i, 1, 'the cancellation notice');
    expect(LINK.test(cancelMail!.text)).toBe(false);
    expect(cancelMail!.html).not.toContain('/manage/');

    // Both links are dead now, on every route, with one and the same answer.
    const bodies = new Set<string>();
    for (const token of [first.token, second.token]) {
      for (const [verb, payload, query] of [['', undefined, ''], ['cancel', {}, ''], ['reschedule', { start: target.start }, ''], ['availability', undefined, `?from=${day}&to=${day}`]] as const) {
        const res = await manage(token, verb, payload, query);
        expect(res.statusCode, `${verb}: ${res.body}`).toBe(404);
        bodies.add(JSON.stringify(res.json()));
      }
    }
    expect(bodies.size).toBe(1);

    // The audit log tells the patient's actions from the staff's booking.
    const audit = await auditOf(f.hospital.id, booked.id);
    expect(audit.map((a) => [a.action, a.actor_type])).toEqual([
      ['appointment.booked', 'user'],
      ['appointment.rescheduled', 'patient'],
      ['appointment.cancelled', 'patient'],
    ]);
    expect(audit[1]).toMatchObject({ actor_user_id: null, actor_patient_id: f.patientId });
    const api = await t.app.inject({ method: 'GET', url: `/v1/audit-events?entityId=${booked.id}&actorType=patient`, headers: f.auth });
    expect(api.json().data.map((e: { action: string; actorPatientId: string }) => [e.action, e.actorPatientId])).toEqual([
      ['appointment.cancelled', f.patientId],
      ['appointment.rescheduled', f.patientId],
    ]);
  });

  it('refuses changes inside the hospital cancellation notice with 422 TOO_LATE_TO_CHANGE, as configured', async () => {
    const f = await bookingFixture(t);
    const soon = minutesFromNow(180, 30);
    const booked = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: soon.toISOString(), durationMinutes: 30 });
    const links = createManageLinks(createSignedTokens(t.deps.serverSecret), t.config.env.PUBLIC_BASE_URL);
    const token = links.manageUrl({ hospitalId: f.hospital.id, id: booked.id, endsAt: new Date(booked.end) }).split('/manage/')[1]!;

    for (const [verb, payload] of [['cancel', {}], ['reschedule', { start: daysAheadAt(4, 10).toISOString() }]] as const) {
      const res = await manage(token, verb, payload);
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json()).toMatchObject({ code: 'TOO_LATE_TO_CHANGE', details: { cancellationNoticeMinutes: 1440 } });
    }
    // Seeing it is still fine, and staff can still cancel.
    expect((await manage(token)).statusCode).toBe(200);
    const settings = await t.app.inject({ method: 'PATCH', url: '/v1/hospitals/me/settings', headers: f.auth, payload: { cancellationNoticeMinutes: 60 } });
    expect(settings.statusCode, settings.body).toBe(200);
    expect(settings.json().data.cancellationNoticeMinutes).toBe(60);
    const res = await manage(token, 'cancel', {});
    expect(res.statusCode, res.body).toBe(200);
    expect((await auditOf(f.hospital.id, booked.id)).at(-1)).toMatchObject({ action: 'appointment.cancelled', actor_type: 'patient' });
  });

  const tokenFor = (hospitalId: string, booked: { id: string; end: string }) =>
    createManageLinks(createSignedTokens(t.deps.serverSecret), t.config.env.PUBLIC_BASE_URL)
      .manageUrl({ hospitalId, id: booked.id, endsAt: new Date(booked.end) })
      .split('/manage/')[1]!;

  it('judges the notice inside the transaction that changes the visit: a move into the notice committed meanwhile wins', async () => {
    const f = await bookingFixture(t);
    for (const verb of ['cancel', 'reschedule'] as const) {
      const soon = minutesFromNow(verb === 'cancel' ? 180 : 300, 30);
      const booked = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(verb === 'cancel' ? 5 : 6, 9).toISOString(), durationMinutes: 30 });
      const token = tokenFor(f.hospital.id, booked);
      let answer!: ReturnType<typeof manage>;
      // Staff hold the row (as a staff move does) while the patient's request arrives; they move the
      // visit to within the notice and commit. The patient's check must see the new start, not the one
      // read before the lock.
      await t.deps.database.db.transaction(async (tx) => {
        const [{ pid }] = (await rawRows<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`)) as [{ pid: number }];
        await tx.execute(sql`select id from appointments where id = ${booked.id}::uuid for update`);
        answer = manage(token, verb, verb === 'cancel' ? {} : { start: daysAheadAt(8, 9).toISOString() });
        // On PostgreSQL: wait until the request is blocked on our lock. PGlite runs one transaction at a time,
        // so the request simply waits for this one.
        if (onServices) {
          await eventually(
            () => rawRows<{ n: number }>(t.deps.database.db, sql`select count(*)::int as n from pg_stat_activity where ${pid}::int = any(pg_blocking_pids(pid))`),
            ([row]) => row!.n > 0,
            'the patient request to wait on the row lock',
          );
        }
        await tx.execute(
          sql`update appointments set starts_at = ${soon.toISOString()}::timestamptz, ends_at = ${soon.toISOString()}::timestamptz + interval '30 minutes' where id = ${booked.id}::uuid`,
        );
      });
      const res = await answer;
      expect(res.statusCode, `${verb}: ${res.body}`).toBe(422);
      expect(res.json()).toMatchObject({ code: 'TOO_LATE_TO_CHANGE', details: { changeableUntil: new Date(soon.getTime() - 1440 * 60_000).toISOString() } });
      const [row] = await rawRows<{ status: string; starts_at: Date }>(t.deps.database.db, sql`select status, starts_at from appointments where id = ${booked.id}::uuid`);
      expect(row).toEqual({ status: 'scheduled', starts_at: soon });
    }
  });

  it('offers no time inside the notice to move to, and refuses a move there: the visit could not be changed again', async () => {
    const f = await bookingFixture(t);
    // Two days' notice; the visit is a week away.
    expect((await t.app.inject({ method: 'PATCH', url: '/v1/hospitals/me/settings', headers: f.auth, payload: { cancellationNoticeMinutes: 2880 } })).statusCode).toBe(200);
    const booked = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(7, 9).toISOString(), durationMinutes: 30 });
    const token = tokenFor(f.hospital.id, booked);
    const from = new Date().toISOString().slice(0, 10);
    const tomorrow = daysAheadAt(1, 0).toISOString().slice(0, 10);
    const free = await manage(token, 'availability', undefined, `?from=${from}&to=${daysAheadAt(4, 0).toISOString().slice(0, 10)}`);
    expect(free.statusCode, free.body).toBe(200);
    const starts = free.json().data.slots.map((s: { start: string }) => Date.parse(s.start));
    const edge = Date.now() + 2880 * 60_000;
    expect(starts.length).toBeGreaterThan(0);
    expect(starts.filter((ms: number) => ms <= edge)).toEqual([]);
    // Staff see the times inside it: the patient's list is cut, not the doctor's day.
    const staff = await t.app.inject({ method: 'GET', url: `/v1/doctors/${f.doctorId}/availability?from=${tomorrow}&to=${tomorrow}`, headers: f.auth });
    expect(staff.json().data.slots.length).toBeGreaterThan(0);

    const inside = await manage(token, 'reschedule', { start: daysAheadAt(1, 10).toISOString() });
    expect(inside.statusCode, inside.body).toBe(422);
    expect(inside.json()).toMatchObject({ code: 'TOO_LATE_TO_CHANGE', details: { cancellationNoticeMinutes: 2880, earliestStart: expect.any(String) } });
    expect((await manage(token)).json().data.start).toBe(booked.start);
    const outside = await manage(token, 'reschedule', { start: new Date(starts[0]).toISOString() });
    expect(outside.statusCode, outside.body).toBe(200);
  });

  it('tampered, expired, foreign and other-purpose tokens all get the same 404', async () => {
    const f = await bookingFixture(t);
    const other = await bookingFixture(t);
    const booked = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(5, 10).toISOString(), durationMinutes: 30 });
    const tokens = createSignedTokens(t.deps.serverSecret);
    const links = createManageLinks(tokens, t.config.env.PUBLIC_BASE_URL);
    const tokenOf = (hospitalId: string, endsAt: Date) => links.manageUrl({ hospitalId, id: booked.id, endsAt }).split('/manage/')[1]!;
    const good = tokenOf(f.hospital.id, new Date(booked.end));
    expect((await manage(good)).statusCode).toBe(200);

    const [body, mac] = good.split('.') as [string, string];
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const bad = {
      tamperedBody: `${flip(body, 10)}.${mac}`,
      tamperedMac: `${body}.${flip(mac, 4)}`,
      // Signed by us, but the visit ended more than 7 days ago.
      expired: tokenOf(f.hospital.id, new Date(Date.now() - (MANAGE_LINK_DAYS_AFTER_VISIT * 24 + 1) * 3_600_000)),
      // Signed by us for another hospital: the appointment is not there.
      foreign: tokenOf(other.hospital.id, new Date(booked.end)),
      otherPurpose: tokens.sign('waitlist-offer', { h: f.hospital.id, a: booked.id }, new Date(Date.now() + 86_400_000)),
      otherSecret: createManageLinks(createSignedTokens('not-our-secret-0123456789'), 'http://x').manageUrl({ hospitalId: f.hospital.id, id: booked.id, endsAt: new Date(booked.end) }).split('/manage/')[1]!,
      garbage: 'not-a-token',
    };
    const bodies = new Set<string>();
    for (const [name, token] of Object.entries(bad)) {
      for (const [verb, payload] of [['', undefined], ['cancel', {}]] as const) {
        const res = await manage(token, verb, payload);
        expect(res.statusCode, `${name} ${verb}: ${res.body}`).toBe(404);
        bodies.add(JSON.stringify(res.json()));
      }
    }
    expect(bodies.size).toBe(1);
    // None of it touched the appointment.
    expect((await t.app.inject({ method: 'GET', url: `/v1/appointments/${booked.id}`, headers: f.auth })).json().data).toMatchObject({ status: 'scheduled', start: booked.start });
    expect((await auditOf(f.hospital.id, booked.id)).map((a) => a.actor_type)).not.toContain('patient');
  });
});
