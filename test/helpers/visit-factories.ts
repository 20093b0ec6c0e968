import type { TestApp } from './app.ts';

type Auth = { authorization: string };

/** Fixtures of SPEC section 14 through the API: resources, their time off, visit types and closures. */

async function created<T>(t: TestApp, auth: Auth, url: string, payload: Record<string, unknown>, what: string): Promise<T> {
  const res = await t.app.inject({ method: 'POST', url, headers: auth, payload });
  if (res.statusCode !== 201) throw new Error(`${what} failed: ${res.statusCode} ${res.body}`);
  return res.json().data as T;
}

export interface TestResource {
  id: string;
  name: string;
  kind: string;
  active: boolean;
}

export const createResource = (t: TestApp, auth: Auth, body: { name: string; kind: string; active?: boolean }) =>
  created<TestResource>(t, auth, '/v1/resources', body, 'createResource');

export const addResourceTimeOff = (t: TestApp, auth: Auth, resourceId: string, body: { start: string; end: string; reason?: string }) =>
  created<{ id: string }>(t, auth, `/v1/resources/${resourceId}/time-off`, body, 'addResourceTimeOff');

export interface TestVisitType {
  id: string;
  name: string;
  durationMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  doctorIds: string[];
  requires: string[];
  bookableOnline: boolean;
}

export const createVisitType = (
  t: TestApp,
  auth: Auth,
  body: { name?: string; durationMinutes: number; doctorIds: string[]; requires?: string[]; bufferBeforeMinutes?: number; bufferAfterMinutes?: number; bookableOnline?: boolean },
) => created<TestVisitType>(t, auth, '/v1/visit-types', { name: 'Visit', ...body }, 'createVisitType');

export const createClosure = (t: TestApp, auth: Auth, body: { start: string; end: string; reason: string }) =>
  created<{ id: string }>(t, auth, '/v1/hospitals/me/closures', body, 'createClosure');

/** Slots of a visit type across its doctors (staff view). */
export async function visitTypeSlots(t: TestApp, auth: Auth, visitTypeId: string, from: string, to: string) {
  const res = await t.app.inject({ method: 'GET', url: `/v1/visit-types/${visitTypeId}/availability?from=${from}&to=${to}`, headers: auth });
  if (res.statusCode !== 200) throw new Error(`visit type availability failed: ${res.statusCode} ${res.body}`);
  return res.json().data as { visitTypeId: string; timezone: string; slots: { start: string; end: string; doctorId: string }[] };
}

/** Every doctor given works all day, every day (weekly hours written with SQL, for fixtures of many doctors). */
export async function allDayHours(t: TestApp, hospitalId: string, doctorIds: string[]): Promise<void> {
  const { sql } = await import('drizzle-orm');
  const { withTenant } = await import('../../src/infra/db/tenant.ts');
  await withTenant(t.deps.database.db, hospitalId, ({ tx }) =>
    tx.execute(sql`insert into doctor_weekly_hours (hospital_id, doctor_id, weekday, start_minute, end_minute)
                   select ${hospitalId}::uuid, d, w, 0, 1440
                     from unnest(${`{${doctorIds.join(',')}}`}::uuid[]) d cross join generate_series(1, 7) w`),
  );
}
