import { sql } from 'drizzle-orm';
import { rawRows } from '../../src/infra/db/client.ts';
import { withTenant } from '../../src/infra/db/tenant.ts';
import type { TestApp } from './app.ts';
import { uniqueEmail } from './factories.ts';

type Auth = { authorization: string };

export interface TestDoctor {
  id: string;
  name: string;
  email: string;
  slotMinutes: number;
}

/** A doctor through the API (as the given owner/admin). */
export async function createDoctor(
  t: TestApp,
  auth: Auth,
  overrides: Partial<{ name: string; email: string; phone: string; specialization: string; slotMinutes: number }> = {},
): Promise<TestDoctor> {
  const payload = { name: 'Dr. Test', email: uniqueEmail('doc'), ...overrides };
  const res = await t.app.inject({ method: 'POST', url: '/v1/doctors', headers: auth, payload });
  if (res.statusCode !== 201) throw new Error(`createDoctor failed: ${res.statusCode} ${res.body}`);
  return res.json().data as TestDoctor;
}

export type WeeklyEntry = { day: string; start: string; end: string };

/** Monday–Friday with the same hours: `weekdays('09:00', '12:00')`. */
export function weekdays(start: string, end: string): WeeklyEntry[] {
  return ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((day) => ({ day, start, end }));
}

export function everyDay(start: string, end: string): WeeklyEntry[] {
  return ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => ({ day, start, end }));
}

export async function putSchedule(
  t: TestApp,
  auth: Auth,
  doctorId: string,
  body: { weekly: WeeklyEntry[]; slotMinutes?: number; bufferMinutes?: number },
) {
  const res = await t.app.inject({ method: 'PUT', url: `/v1/doctors/${doctorId}/schedule`, headers: auth, payload: body });
  if (res.statusCode !== 200) throw new Error(`putSchedule failed: ${res.statusCode} ${res.body}`);
  return res.json().data;
}

export async function createPatient(
  t: TestApp,
  auth: Auth,
  overrides: Partial<{ name: string; email: string; phone: string; dateOfBirth: string; notificationChannel: string; language: string }> = {},
): Promise<{ id: string; name: string }> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/patients', headers: auth, payload: { name: 'Pat Test', ...overrides } });
  if (res.statusCode !== 201) throw new Error(`createPatient failed: ${res.statusCode} ${res.body}`);
  return res.json().data;
}

/** A patient row written straight into the table (fast, for appointment fixtures). */
export async function insertPatientRow(t: TestApp, hospitalId: string, name = 'Pat Row'): Promise<string> {
  return withTenant(t.deps.database.db, hospitalId, async ({ tx }) => {
    const [row] = await rawRows<{ id: string }>(tx, sql`insert into patients (hospital_id, name) values (${hospitalId}, ${name}) returning id`);
    return row!.id;
  });
}

/**
 * An appointment inserted with SQL (the booking API lives in the appointments
 * module); the exclusion constraints still apply.
 */
export async function insertAppointment(
  t: TestApp,
  hospitalId: string,
  values: { doctorId: string; patientId?: string; start: string | Date; end: string | Date; status?: string },
): Promise<string> {
  const patientId = values.patientId ?? (await insertPatientRow(t, hospitalId));
  const iso = (v: string | Date) => (typeof v === 'string' ? new Date(v) : v).toISOString();
  return withTenant(t.deps.database.db, hospitalId, async ({ tx }) => {
    const [row] = await rawRows<{ id: string }>(
      tx,
      sql`insert into appointments (hospital_id, doctor_id, patient_id, starts_at, ends_at, status)
          values (${hospitalId}, ${values.doctorId}, ${patientId}, ${iso(values.start)}::timestamptz, ${iso(values.end)}::timestamptz, ${values.status ?? 'scheduled'})
          returning id`,
    );
    return row!.id;
  });
}

export async function availability(t: TestApp, auth: Auth, doctorId: string, from: string, to: string) {
  const res = await t.app.inject({ method: 'GET', url: `/v1/doctors/${doctorId}/availability?from=${from}&to=${to}`, headers: auth });
  if (res.statusCode !== 200) throw new Error(`availability failed: ${res.statusCode} ${res.body}`);
  return res.json().data as { timezone: string; slots: { start: string; end: string }[] };
}
