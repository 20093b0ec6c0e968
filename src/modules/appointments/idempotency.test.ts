import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { purgeExpiredIdempotencyKeys } from '../idempotency/idempotency.ts';
import type { TestApp } from '../../../test/helpers/app.ts';
import { action, addPatient, appPair, book, bookingFixture, daysAheadAt, outboxFor } from '../../../test/helpers/appointment-factories.ts';
import { addMember } from '../../../test/helpers/member-factories.ts';

let pair: Awaited<ReturnType<typeof appPair>>;
let t: TestApp;
beforeAll(async () => {
  pair = await appPair();
  t = pair.a;
});
afterAll(async () => {
  await pair.close();
});

async function appointmentCount(hospitalId: string): Promise<number> {
  const [row] = await rawRows<{ n: number }>(t.deps.database.db, sql`select count(*)::int as n from appointments where hospital_id = ${hospitalId}`);
  return row!.n;
}

describe('Idempotency-Key on POST /v1/appointments', () => {
  it('replays the first response for the same key and body, and books once', async () => {
    const f = await bookingFixture(t);
    const key = randomUUID();
    const body = { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 10).toISOString(), reason: 'follow-up' };
    const first = await book(t, f.auth, body, { 'idempotency-key': key });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // Same body with keys in another order is the same request.
    const reordered = { reason: body.reason, start: body.start, patientId: body.patientId, doctorId: body.doctorId };
    const again = await book(pair.b, f.auth, reordered, { 'idempotency-key': key });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await appointmentCount(f.hospital.id)).toBe(1);
    expect((await outboxFor(t, first.json().data.id)).filter((m) => m.type === 'appointment.booked')).toHaveLength(1);
    // Even after the appointment changed, the replay is the first response, verbatim.
    await action(t, f.auth, first.json().data.id, 'cancel', {});
    const later = await book(t, f.auth, body, { 'idempotency-key': key });
    expect(later.json()).toEqual(first.json());
  });

  it('refuses the same key with another body, another caller or after use in another hospital independently', async () => {
    const f = await bookingFixture(t);
    const key = randomUUID();
    const body = { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 10).toISOString() };
    expect((await book(t, f.auth, body, { 'idempotency-key': key })).statusCode).toBe(201);
    const changed = await book(t, f.auth, { ...body, start: daysAheadAt(2, 11).toISOString() }, { 'idempotency-key': key });
    expect(changed.statusCode).toBe(422);
    expect(changed.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    const staff = await addMember(t, f.hospital, 'staff');
    const otherCaller = await book(t, staff.auth, body, { 'idempotency-key': key });
    expect(otherCaller.statusCode).toBe(422);
    expect(otherCaller.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await appointmentCount(f.hospital.id)).toBe(1);
    // Keys are per hospital: the same key elsewhere is a new request.
    const g = await bookingFixture(t);
    const elsewhere = await book(t, g.auth, { doctorId: g.doctorId, patientId: g.patientId, start: body.start }, { 'idempotency-key': key });
    expect(elsewhere.statusCode).toBe(201);
  });

  it('keeps no record of a failed request: the same key may be retried and then succeeds', async () => {
    const f = await bookingFixture(t);
    const start = daysAheadAt(2, 10).toISOString();
    const other = await addPatient(t, f.auth);
    const blocker = await book(t, f.auth, { doctorId: f.doctorId, patientId: other, start });
    const key = randomUUID();
    const body = { doctorId: f.doctorId, patientId: f.patientId, start };
    const refused = await book(t, f.auth, body, { 'idempotency-key': key });
    expect(refused.statusCode).toBe(409);
    await action(t, f.auth, blocker.json().data.id, 'cancel', {});
    const retried = await book(t, f.auth, body, { 'idempotency-key': key });
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });

  it('concurrent requests with one key book once and all answer with that booking', async () => {
    const f = await bookingFixture(t);
    const key = randomUUID();
    const body = { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 10).toISOString() };
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => book(i % 2 ? pair.b : pair.a, f.auth, body, { 'idempotency-key': key })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(201));
    expect(new Set(responses.map((r) => r.json().data.id)).size).toBe(1);
    expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(19);
    expect(await appointmentCount(f.hospital.id)).toBe(1);
  });

  it('forgets a key after the retention window (records past it count as unused and are purged)', async () => {
    const f = await bookingFixture(t);
    const key = randomUUID();
    const body = { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 10).toISOString() };
    expect((await book(t, f.auth, body, { 'idempotency-key': key })).statusCode).toBe(201);
    await t.deps.database.db.execute(
      sql`update idempotency_keys set created_at = now() - interval '25 hours' where hospital_id = ${f.hospital.id} and key = ${key}`,
    );
    const reused = await book(t, f.auth, { ...body, start: daysAheadAt(2, 11).toISOString() }, { 'idempotency-key': key });
    expect(reused.statusCode).toBe(201);
    expect(reused.headers['idempotent-replayed']).toBeUndefined();
    await t.deps.database.db.execute(
      sql`update idempotency_keys set created_at = now() - interval '25 hours' where hospital_id = ${f.hospital.id} and key = ${key}`,
    );
    expect(await purgeExpiredIdempotencyKeys(t.deps.database.db, 24 * 3_600_000)).toBeGreaterThanOrEqual(1);
    const [left] = await rawRows<{ n: number }>(t.deps.database.db, sql`select count(*)::int as n from idempotency_keys where key = ${key}`);
    expect(left!.n).toBe(0);
  });

  it('keeps keys tenant-private under row-level security', async () => {
    const f = await bookingFixture(t);
    const g = await bookingFixture(t);
    const key = randomUUID();
    await book(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 10).toISOString() }, { 'idempotency-key': key });
    const seen = await withTenant(t.deps.database.db, g.hospital.id, ({ tx }) =>
      rawRows<{ n: number }>(tx, sql`select count(*)::int as n from idempotency_keys where key = ${key}`),
    );
    expect(seen[0]!.n).toBe(0);
  });
});
