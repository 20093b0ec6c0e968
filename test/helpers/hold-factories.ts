import { sql } from 'drizzle-orm';
import { rawRows } from '../../src/infra/db/client.ts';
import { withTenant } from '../../src/infra/db/tenant.ts';
import type { AppointmentActor } from '../../src/modules/appointments/appointments.service.ts';
import { type Scope } from '../../src/modules/appointments/booking-core.ts';
import { bookingWrite } from '../../src/modules/appointments/booking-conflicts.ts';
import { createHoldCore } from '../../src/modules/holds/holds.service.ts';
import type { TestApp } from './app.ts';

/** The hospital's owner as an appointment actor (the hold primitive runs in a scope a caller opens). */
export async function ownerActor(t: TestApp, hospitalId: string): Promise<AppointmentActor> {
  const [row] = await rawRows<{ user_id: string }>(
    t.deps.database.db,
    sql`select user_id from hospital_members where hospital_id = ${hospitalId}::uuid and role = 'owner' limit 1`,
  );
  return { hospitalId, userId: row!.user_id, requestId: 'test', role: 'owner', doctorId: null };
}

/** Runs hold-primitive work in one tenant transaction, as a caller does (deadlock retry, 23P01 → 409). */
export function inScope<T>(t: TestApp, actor: AppointmentActor, work: (scope: Scope, holds: ReturnType<typeof createHoldCore>) => Promise<T>): Promise<T> {
  const holds = createHoldCore({ now: () => new Date() });
  return bookingWrite(() => withTenant(t.deps.database.db, actor, (scope) => work(scope, holds)));
}

/** Moves a hold's expiry into the past: what the passing of HOLD_MINUTES does, without waiting. */
export async function expireHold(t: TestApp, holdId: string): Promise<void> {
  await rawRows(t.deps.database.db, sql`update appointments set hold_expires_at = now() - interval '1 second' where id = ${holdId}::uuid and status = 'held'`);
}

export async function heldRowExists(t: TestApp, holdId: string): Promise<boolean> {
  const rows = await rawRows<{ id: string }>(t.deps.database.db, sql`select id from appointments where id = ${holdId}::uuid`);
  return rows.length === 1;
}
