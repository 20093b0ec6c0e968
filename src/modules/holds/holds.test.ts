import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../shared/errors.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { addDoctor, addPatient, appointmentTestEnv, book, bookingFixture, daysAheadAt, setMonthlyLimit } from '../../../test/helpers/appointment-factories.ts';
import { expireHold, heldRowExists, inScope, ownerActor } from '../../../test/helpers/hold-factories.ts';
import { availability } from '../../../test/helpers/scheduling-factories.ts';
import { createResource, createVisitType } from '../../../test/helpers/visit-factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: appointmentTestEnv });
});
afterAll(async () => {
  await t.close();
});

const inTenMinutes = () => new Date(Date.now() + 10 * 60_000);
const refusal = async (work: Promise<unknown>) => {
  try {
    await work;
  } catch (err) {
    if (err instanceof DomainError) return { code: err.code, details: err.details };
    throw err;
  }
  throw new Error('expected a refusal');
};

async function clinic() {
  const f = await bookingFixture(t);
  return { f, actor: await ownerActor(t, f.hospital.id) };
}

describe('the hold primitive', () => {
  it('two holds of one slot at once: one wins, the other is SLOT_UNAVAILABLE', async () => {
    const { f, actor } = await clinic();
    const start = daysAheadAt(3, 9).toISOString();
    const results = await Promise.allSettled(
      [0, 1].map(() => inScope(t, actor, (scope, holds) => holds.placeHold(scope, { doctorId: f.doctorId, start, expiresAt: inTenMinutes(), kind: 'public' }))),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toMatchObject({ code: 'SLOT_UNAVAILABLE' });
    // The winner's slot is taken for a staff booking too, through the same constraint.
    const staff = await book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start });
    expect(staff.statusCode).toBe(409);
    expect(staff.json().code).toBe('SLOT_UNAVAILABLE');
  });

  it('a held row is invisible to staff reads but busy in availability; once expired it blocks neither a booking nor a hold', async () => {
    const { f, actor } = await clinic();
    const start = daysAheadAt(4, 9);
    const day = start.toISOString().slice(0, 10);
    const starts = async () => (await availability(t, f.auth, f.doctorId, day, day)).slots.map((s) => new Date(s.start).getTime());
    expect(await starts()).toContain(start.getTime());

    const hold = await inScope(t, actor, (scope, holds) => holds.placeHold(scope, { doctorId: f.doctorId, start: start.toISOString(), expiresAt: inTenMinutes(), kind: 'public' }));
    expect(hold).toMatchObject({ doctorId: f.doctorId, start: start.toISOString(), visitTypeId: null, resources: [] });
    const list = await t.app.inject({ method: 'GET', url: `/v1/appointments?doctorId=${f.doctorId}`, headers: f.auth });
    expect(list.statusCode).toBe(200);
    expect(list.json().data).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: `/v1/appointments/${hold.id}`, headers: f.auth })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: `/v1/appointments/${hold.id}/cancel`, headers: f.auth, payload: {} })).statusCode).toBe(404);
    expect(await starts()).not.toContain(start.getTime());

    await expireHold(t, hold.id);
    expect(await starts()).toContain(start.getTime());
    // Another hold of the slot sweeps the expired one away, then a booking sweeps that one once it expires.
    const again = await inScope(t, actor, (scope, holds) => holds.placeHold(scope, { doctorId: f.doctorId, start: start.toISOString(), expiresAt: inTenMinutes(), kind: 'offer' }));
    expect(await heldRowExists(t, hold.id)).toBe(false);
    await expireHold(t, again.id);
    const booked = await book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: start.toISOString() });
    expect(booked.statusCode, booked.body).toBe(201);
    expect(await heldRowExists(t, again.id)).toBe(false);
  });

  it('a hold of a visit type needing a room takes the room: a staff booking of that room at that time is refused until the hold expires', async () => {
    const f = await bookingFixture(t);
    const actor = await ownerActor(t, f.hospital.id);
    const second = await addDoctor(t, f.auth);
    const vt = await createVisitType(t, f.auth, { durationMinutes: 30, requires: ['exam-room'], doctorIds: [f.doctorId, second] });
    const room = await createResource(t, f.auth, { name: 'Room 1', kind: 'exam-room' });
    const start = daysAheadAt(5, 10).toISOString();
    const hold = await inScope(t, actor, (scope, holds) => holds.placeHold(scope, { doctorId: f.doctorId, visitTypeId: vt.id, start, expiresAt: inTenMinutes(), kind: 'public' }));
    expect(hold.resources).toEqual([{ id: room.id, kind: 'exam-room', name: 'Room 1' }]);
    const other = await addPatient(t, f.auth);
    const refused = await book(t, f.auth, { doctorId: second, patientId: other, start, visitTypeId: vt.id });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'RESOURCE_UNAVAILABLE' });
    await expireHold(t, hold.id);
    const booked = await book(t, f.auth, { doctorId: second, patientId: other, start, visitTypeId: vt.id });
    expect(booked.statusCode, booked.body).toBe(201);
    expect(booked.json().data.resources.map((r: { id: string }) => r.id)).toEqual([room.id]);
    expect(await heldRowExists(t, hold.id)).toBe(false);
  });

  it('"any doctor" holds the first free doctor offering the type, in id order', async () => {
    const f = await bookingFixture(t);
    const actor = await ownerActor(t, f.hospital.id);
    const second = await addDoctor(t, f.auth);
    const vt = await createVisitType(t, f.auth, { durationMinutes: 30, doctorIds: [f.doctorId, second] });
    const [first, next] = [f.doctorId, second].sort() as [string, string];
    const start = daysAheadAt(6, 11).toISOString();
    const place = () => inScope(t, actor, (scope, holds) => holds.placeHold(scope, { visitTypeId: vt.id, start, expiresAt: inTenMinutes(), kind: 'public' }));
    expect((await place()).doctorId).toBe(first);
    expect((await place()).doctorId).toBe(next);
    expect(await refusal(place())).toMatchObject({ code: 'SLOT_UNAVAILABLE' });
  });

  it('converting books the held slot for the patient (counted, listed); a second convert is HOLD_CONFIRMED, an expired hold HOLD_EXPIRED', async () => {
    const { f, actor } = await clinic();
    const start = daysAheadAt(7, 9).toISOString();
    const hold = await inScope(t, actor, (scope, holds) => holds.placeHold(scope, { doctorId: f.doctorId, start, expiresAt: inTenMinutes(), kind: 'public' }));
    const booked = await inScope(t, actor, (scope, holds) => holds.convertHold(scope, hold.id, { patientId: f.patientId }));
    expect(booked).toMatchObject({ id: hold.id, patientId: f.patientId, status: 'scheduled' });
    const got = await t.app.inject({ method: 'GET', url: `/v1/appointments/${hold.id}`, headers: f.auth });
    expect(got.json().data).toMatchObject({ id: hold.id, patientId: f.patientId, status: 'scheduled', start });
    expect(await refusal(inScope(t, actor, (scope, holds) => holds.convertHold(scope, hold.id, { patientId: f.patientId })))).toMatchObject({ code: 'HOLD_CONFIRMED' });

    const later = daysAheadAt(7, 11).toISOString();
    const expired = await inScope(t, actor, (scope, holds) => holds.placeHold(scope, { doctorId: f.doctorId, start: later, expiresAt: inTenMinutes(), kind: 'public' }));
    await expireHold(t, expired.id);
    expect(await refusal(inScope(t, actor, (scope, holds) => holds.convertHold(scope, expired.id, { patientId: f.patientId })))).toMatchObject({ code: 'HOLD_EXPIRED' });
  });

  it('the plan limit is checked at convert, with the numbers; a hold is not counted until then', async () => {
    const { f, actor } = await clinic();
    const start = daysAheadAt(8, 9);
    const hold = await inScope(t, actor, (scope, holds) => holds.placeHold(scope, { doctorId: f.doctorId, start: start.toISOString(), expiresAt: inTenMinutes(), kind: 'public' }));
    await setMonthlyLimit(t, f.hospital.id, 1);
    // The hold does not count: the staff booking takes the month's one appointment.
    const staff = await book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(8, 12).toISOString() });
    expect(staff.statusCode, staff.body).toBe(201);
    const other = await addPatient(t, f.auth);
    expect(await refusal(inScope(t, actor, (scope, holds) => holds.convertHold(scope, hold.id, { patientId: other })))).toMatchObject({
      code: 'PLAN_LIMIT_REACHED',
      details: { limitName: 'maxAppointmentsPerMonth', limit: 1, current: 1 },
    });
  });

  it('releasing deletes the hold and frees the slot', async () => {
    const { f, actor } = await clinic();
    const start = daysAheadAt(9, 9).toISOString();
    const hold = await inScope(t, actor, (scope, holds) => holds.placeHold(scope, { doctorId: f.doctorId, start, expiresAt: inTenMinutes(), kind: 'offer' }));
    await inScope(t, actor, (scope, holds) => holds.releaseHold(scope, hold.id));
    expect(await heldRowExists(t, hold.id)).toBe(false);
    expect((await book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start })).statusCode).toBe(201);
    expect(await refusal(inScope(t, actor, (scope, holds) => holds.releaseHold(scope, hold.id)))).toMatchObject({ code: 'NOT_FOUND' });
  });
});
