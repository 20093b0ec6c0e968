/**
 * Public booking end to end (SPEC section 15): hold a slot on the hospital's
 * public pages, give an email, read the code from the email as the visitor
 * gets it (the SMTP peer on the services target, .eml files embedded),
 * confirm. Time is never waited for: a hold's expiry is moved into the past
 * in the database, which is what the passing of HOLD_MINUTES does.
 */
import { describe, expect, it } from 'vitest';
import { addDoctor, appointmentTestEnv, bookingFixture, book, daysAheadAt, setMonthlyLimit } from '../../../test/helpers/appointment-factories.ts';
import { uniqueEmail } from '../../../test/helpers/factories.ts';
import { expireHold } from '../../../test/helpers/hold-factories.ts';
import { useMailApp } from '../../../test/helpers/mailbox.ts';
import { eventually } from '../../../test/helpers/messaging.ts';
import { createResource, createVisitType } from '../../../test/helpers/visit-factories.ts';

// No gap between two code requests of one hold: a test gives a second contact right after the first.
const suite = useMailApp({ ...appointmentTestEnv, OTP_REQUEST_INTERVAL_SECONDS: '0' });
const { t } = suite;

const post = (url: string, payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url, payload });
const hold = (subdomain: string, body: Record<string, unknown>) => post(`/v1/public/hospitals/${subdomain}/holds`, body);

/** The newest code emailed to `address` (the visitor reads it from the mail). */
async function codeFor(address: string, count = 1): Promise<string> {
  const mails = await eventually(() => suite.mailTo(address), (m) => m.filter((x) => /verification code/i.test(x.subject)).length >= count, 'the code email', 30_000);
  const codes = mails.filter((x) => /verification code/i.test(x.subject)).map((m) => /\b(\d{6})\b/.exec(m.text)?.[1]);
  expect(codes[count - 1], 'a 6-digit code in the email').toMatch(/^\d{6}$/);
  return codes[count - 1]!;
}

/** A UTC hospital with a doctor working all day and a visit type bookable online. */
async function clinic(type: { requires?: string[] } = {}) {
  const f = await bookingFixture(t);
  const vt = await createVisitType(t, f.auth, { durationMinutes: 30, doctorIds: [f.doctorId], bookableOnline: true, ...type });
  return { f, vt, subdomain: f.hospital.subdomain };
}

const publicSlots = async (subdomain: string, visitTypeId: string, day: string) => {
  const res = await t.app.inject({ method: 'GET', url: `/v1/public/hospitals/${subdomain}/visit-types/${visitTypeId}/availability?from=${day}&to=${day}` });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().data.slots as { start: string }[]).map((s) => new Date(s.start).getTime());
};

describe('public holds and confirmation', () => {
  it('holds a slot, sends a code to the email, and books it for a new patient on confirm; a second confirm books nothing', async () => {
    const { f, vt, subdomain } = await clinic();
    const start = daysAheadAt(5, 9);
    const day = start.toISOString().slice(0, 10);
    expect(await publicSlots(subdomain, vt.id, day)).toContain(start.getTime());

    const held = await hold(subdomain, { visitTypeId: vt.id, start: start.toISOString() });
    expect(held.statusCode, held.body).toBe(201);
    const h = held.json().data;
    expect(h).toMatchObject({ doctorId: f.doctorId, visitTypeId: vt.id });
    expect(new Date(h.start).getTime()).toBe(start.getTime());
    expect(new Date(h.expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(await publicSlots(subdomain, vt.id, day)).not.toContain(start.getTime());

    const email = uniqueEmail('visitor');
    const contact = await post(`/v1/public/holds/${h.id}/contact`, { name: 'Grace Hopper', email, language: 'en' });
    expect(contact.statusCode, contact.body).toBe(202);
    expect(contact.json().data).toMatchObject({ channel: 'email' });
    const code = await codeFor(email);

    const confirmed = await post(`/v1/public/holds/${h.id}/confirm`, { code });
    expect(confirmed.statusCode, confirmed.body).toBe(201);
    expect(confirmed.json().data).toEqual({ id: h.id, doctorId: f.doctorId, visitTypeId: vt.id, start: h.start, end: h.end, status: 'scheduled' });

    const staff = await t.app.inject({ method: 'GET', url: `/v1/appointments/${h.id}`, headers: f.auth });
    expect(staff.json().data).toMatchObject({ status: 'scheduled', visitTypeId: vt.id });
    const patient = await t.app.inject({ method: 'GET', url: `/v1/patients/${staff.json().data.patientId}`, headers: f.auth });
    expect(patient.json().data).toMatchObject({ name: 'Grace Hopper', email, notificationChannel: 'email' });
    await eventually(() => suite.mailTo(email), (m) => m.some((x) => /confirmed/i.test(x.subject)), 'the booking confirmation', 30_000);

    const again = await post(`/v1/public/holds/${h.id}/confirm`, { code });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('HOLD_CONFIRMED');
    const list = await t.app.inject({ method: 'GET', url: `/v1/appointments?doctorId=${f.doctorId}`, headers: f.auth });
    expect(list.json().data).toHaveLength(1);
  });

  it('matches an existing patient by the verified email', async () => {
    const email = uniqueEmail('known');
    const f = await bookingFixture(t, { patient: { name: 'Known Patient', email, notificationChannel: 'email' } });
    const vt = await createVisitType(t, f.auth, { durationMinutes: 30, doctorIds: [f.doctorId], bookableOnline: true });
    const h = (await hold(f.hospital.subdomain, { visitTypeId: vt.id, start: daysAheadAt(5, 10).toISOString() })).json().data;
    expect((await post(`/v1/public/holds/${h.id}/contact`, { name: 'Known', email: email.toUpperCase() })).statusCode).toBe(202);
    const confirmed = await post(`/v1/public/holds/${h.id}/confirm`, { code: await codeFor(email) });
    expect(confirmed.statusCode, confirmed.body).toBe(201);
    const staff = await t.app.inject({ method: 'GET', url: `/v1/appointments/${h.id}`, headers: f.auth });
    expect(staff.json().data.patientId).toBe(f.patientId);
  });

  it('two visitors hold one slot at once: one 201, one 409; once expired a third visitor holds it', async () => {
    const { vt, subdomain } = await clinic();
    const start = daysAheadAt(6, 9).toISOString();
    const [a, b] = await Promise.all([hold(subdomain, { visitTypeId: vt.id, start }), hold(subdomain, { visitTypeId: vt.id, start })]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    const loser = a.statusCode === 409 ? a : b;
    expect(loser.json().code).toBe('SLOT_UNAVAILABLE');
    const winner = (a.statusCode === 201 ? a : b).json().data;
    await expireHold(t, winner.id);
    const third = await hold(subdomain, { visitTypeId: vt.id, start });
    expect(third.statusCode, third.body).toBe(201);
    // The expired hold cannot be confirmed any more, nor given a contact.
    const late = await post(`/v1/public/holds/${winner.id}/contact`, { name: 'Late', email: uniqueEmail('late') });
    expect(late.statusCode).toBe(404);
  });

  it('an expired hold answers 410 HOLD_EXPIRED at confirm', async () => {
    const { vt, subdomain } = await clinic();
    const h = (await hold(subdomain, { visitTypeId: vt.id, start: daysAheadAt(6, 12).toISOString() })).json().data;
    const email = uniqueEmail('slow');
    expect((await post(`/v1/public/holds/${h.id}/contact`, { name: 'Slow', email })).statusCode).toBe(202);
    const code = await codeFor(email);
    await expireHold(t, h.id);
    const res = await post(`/v1/public/holds/${h.id}/confirm`, { code });
    expect(res.statusCode).toBe(410);
    expect(res.json().code).toBe('HOLD_EXPIRED');
  });

  it('three wrong codes burn the code: the right one no longer works', async () => {
    const { vt, subdomain } = await clinic();
    const h = (await hold(subdomain, { visitTypeId: vt.id, start: daysAheadAt(7, 9).toISOString() })).json().data;
    const email = uniqueEmail('typo');
    expect((await post(`/v1/public/holds/${h.id}/contact`, { name: 'Typo', email })).statusCode).toBe(202);
    const code = await codeFor(email);
    const wrong = code === '000000' ? '111111' : '000000';
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await post(`/v1/public/holds/${h.id}/confirm`, { code: wrong })).json().code);
    expect(answers).toEqual(['OTP_INVALID', 'OTP_INVALID', 'OTP_INVALID']);
    const right = await post(`/v1/public/holds/${h.id}/confirm`, { code });
    expect(right.statusCode).toBe(422);
    expect(right.json().code).toMatch(/^OTP_(ATTEMPTS_EXCEEDED|EXPIRED)$/);
  });

  it('a hold of a type needing a room takes the room: a staff booking of that room then is refused', async () => {
    const { f, vt, subdomain } = await clinic({ requires: ['exam-room'] });
    await createResource(t, f.auth, { name: 'Room 1', kind: 'exam-room' });
    const second = await addDoctor(t, f.auth);
    const start = daysAheadAt(8, 9).toISOString();
    expect((await hold(subdomain, { visitTypeId: vt.id, start })).statusCode).toBe(201);
    const other = await createVisitType(t, f.auth, { durationMinutes: 30, doctorIds: [second], requires: ['exam-room'] });
    const refused = await book(t, f.auth, { doctorId: second, patientId: f.patientId, start, visitTypeId: other.id });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('RESOURCE_UNAVAILABLE');
  });

  it('the plan limit refuses at confirm, with the numbers', async () => {
    const { f, vt, subdomain } = await clinic();
    const h = (await hold(subdomain, { visitTypeId: vt.id, start: daysAheadAt(9, 9).toISOString() })).json().data;
    await setMonthlyLimit(t, f.hospital.id, 1);
    expect((await book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(9, 12).toISOString() })).statusCode).toBe(201);
    const email = uniqueEmail('full');
    expect((await post(`/v1/public/holds/${h.id}/contact`, { name: 'Full', email })).statusCode).toBe(202);
    const res = await post(`/v1/public/holds/${h.id}/confirm`, { code: await codeFor(email) });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'PLAN_LIMIT_REACHED', details: { limit: 1, current: 1 } });
    // The refused confirm used the code up, not the proof of the contact: once the plan allows,
    // the same hold confirms without a new code being sent.
    await setMonthlyLimit(t, f.hospital.id, 5);
    const retried = await post(`/v1/public/holds/${h.id}/confirm`, { code: '000000' });
    expect(retried.statusCode, retried.body).toBe(201);
    expect((await suite.mailTo(email)).filter((m) => /verification code/i.test(m.subject))).toHaveLength(1);
  });

  it('a new contact after a verified one needs its own code', async () => {
    const { f, vt, subdomain } = await clinic();
    const h = (await hold(subdomain, { visitTypeId: vt.id, start: daysAheadAt(9, 10).toISOString() })).json().data;
    await setMonthlyLimit(t, f.hospital.id, 1);
    expect((await book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(9, 13).toISOString() })).statusCode).toBe(201);
    const first = uniqueEmail('first');
    expect((await post(`/v1/public/holds/${h.id}/contact`, { name: 'First', email: first })).statusCode).toBe(202);
    expect((await post(`/v1/public/holds/${h.id}/confirm`, { code: await codeFor(first) })).statusCode).toBe(403);
    // The first contact is verified now; a different one replaces it and is not.
    const second = uniqueEmail('second');
    expect((await post(`/v1/public/holds/${h.id}/contact`, { name: 'Second', email: second })).statusCode).toBe(202);
    await setMonthlyLimit(t, f.hospital.id, 5);
    const unverified = await post(`/v1/public/holds/${h.id}/confirm`, { code: '000000' });
    expect(unverified.statusCode).toBe(422);
    expect(unverified.json().code).toBe('OTP_INVALID');
    const res = await post(`/v1/public/holds/${h.id}/confirm`, { code: await codeFor(second) });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('only visit types bookable online; unknown holds and hospitals are 404; a contact needs an email or a phone', async () => {
    const f = await bookingFixture(t);
    const offline = await createVisitType(t, f.auth, { durationMinutes: 30, doctorIds: [f.doctorId], bookableOnline: false });
    const start = daysAheadAt(5, 9).toISOString();
    expect((await hold(f.hospital.subdomain, { visitTypeId: offline.id, start })).statusCode).toBe(404);
    expect((await hold('no-such-hospital-x', { doctorId: f.doctorId, start })).statusCode).toBe(404);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await post(`/v1/public/holds/${unknown}/contact`, { name: 'X', email: uniqueEmail('x') })).statusCode).toBe(404);
    expect((await post(`/v1/public/holds/${unknown}/confirm`, { code: '123456' })).statusCode).toBe(404);
    const h = (await hold(f.hospital.subdomain, { doctorId: f.doctorId, start })).json().data;
    const neither = await post(`/v1/public/holds/${h.id}/contact`, { name: 'X' });
    expect(neither.statusCode).toBe(400);
    const both = await post(`/v1/public/holds/${h.id}/contact`, { name: 'X', email: uniqueEmail('x'), phone: '+14155550123' });
    expect(both.statusCode).toBe(400);
  });
});
