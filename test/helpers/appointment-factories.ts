import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { rawRows } from '../../src/infra/db/client.ts';
import { createTestApp, type TestApp } from './app.ts';
import { startSupabasePeer } from './supabase-peer.ts';
import { onServices } from './target.ts';
import { registerHospital, uniqueEmail, type RegisteredHospital } from './factories.ts';
import { createDoctor, createPatient, everyDay, putSchedule, type WeeklyEntry } from './scheduling-factories.ts';

type Auth = { authorization: string };

export interface BookingFixture {
  hospital: RegisteredHospital;
  auth: Auth;
  doctorId: string;
  patientId: string;
}

/** Env for apps under appointment tests: bursts of requests from one user are the point, not rate limits. */
export const appointmentTestEnv = { RATE_LIMIT_ENABLED: 'false' };

/**
 * A hospital (UTC unless told) with one doctor working all day every day and
 * one patient, so any future instant inside the horizon is bookable.
 */
export async function bookingFixture(
  t: TestApp,
  options: {
    timezone?: string;
    weekly?: WeeklyEntry[];
    slotMinutes?: number;
    bufferMinutes?: number;
    patient?: Partial<{ name: string; email: string; phone: string; notificationChannel: string; language: string }>;
    settings?: Partial<{ bookingHorizonDays: number; minimumNoticeMinutes: number; reminderOffsetsMinutes: number[]; defaultLanguage: string }>;
  } = {},
): Promise<BookingFixture> {
  const hospital = await registerHospital(t, { timezone: options.timezone ?? 'UTC' });
  const auth = hospital.auth;
  const doctor = await createDoctor(t, auth, options.slotMinutes ? { slotMinutes: options.slotMinutes } : {});
  await putSchedule(t, auth, doctor.id, {
    weekly: options.weekly ?? everyDay('00:00', '24:00'),
    ...(options.slotMinutes ? { slotMinutes: options.slotMinutes } : {}),
    ...(options.bufferMinutes !== undefined ? { bufferMinutes: options.bufferMinutes } : {}),
  });
  const patient = await createPatient(t, auth, options.patient ?? {});
  if (options.settings) await updateSettings(t, auth, options.settings);
  return { hospital, auth, doctorId: doctor.id, patientId: patient.id };
}

export async function updateSettings(
  t: TestApp,
  auth: Auth,
  settings: Partial<{ bookingHorizonDays: number; minimumNoticeMinutes: number; reminderOffsetsMinutes: number[]; defaultLanguage: string }>,
) {
  const res = await t.app.inject({ method: 'PATCH', url: '/v1/hospitals/me/settings', headers: auth, payload: settings });
  if (res.statusCode !== 200) throw new Error(`settings failed: ${res.statusCode} ${res.body}`);
}

export async function addDoctor(t: TestApp, auth: Auth, weekly: WeeklyEntry[] = everyDay('00:00', '24:00'), extra: { bufferMinutes?: number; slotMinutes?: number } = {}) {
  const doctor = await createDoctor(t, auth, { email: uniqueEmail('doc'), ...(extra.slotMinutes ? { slotMinutes: extra.slotMinutes } : {}) });
  await putSchedule(t, auth, doctor.id, { weekly, ...extra });
  return doctor.id;
}

export async function addPatient(t: TestApp, auth: Auth, overrides: Partial<{ name: string; email: string; phone: string; notificationChannel: string }> = {}) {
  return (await createPatient(t, auth, overrides)).id;
}

/** A whole-minute instant `minutes` from now, rounded up to the next full `step` minutes (distinct slots stay aligned). */
export function minutesFromNow(minutes: number, step = 1): Date {
  const stepMs = step * 60_000;
  return new Date(Math.ceil((Date.now() + minutes * 60_000) / stepMs) * stepMs);
}

/** Tomorrow-ish: a UTC instant `days` ahead at hh:mm. */
export function daysAheadAt(days: number, hh: number, mm = 0): Date {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  d.setUTCHours(hh, mm, 0, 0);
  return d;
}

export interface BookBody {
  doctorId: string;
  patientId: string;
  start: string;
  durationMinutes?: number;
  reason?: string;
}

export function book(t: TestApp, auth: Auth, body: BookBody | Record<string, unknown>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'POST', url: '/v1/appointments', headers: { ...auth, ...headers }, payload: body });
}

export async function bookOk(t: TestApp, auth: Auth, body: BookBody): Promise<AppointmentData> {
  const res = await book(t, auth, body);
  if (res.statusCode !== 201) throw new Error(`book failed: ${res.statusCode} ${res.body}`);
  return res.json().data as AppointmentData;
}

export interface AppointmentData {
  id: string;
  doctorId: string;
  patientId: string;
  start: string;
  end: string;
  durationMinutes: number;
  status: string;
  reason: string | null;
  cancelReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export function action(t: TestApp, auth: Auth, id: string, verb: 'cancel' | 'reschedule' | 'complete' | 'no-show', payload?: Record<string, unknown>) {
  return t.app.inject({ method: 'POST', url: `/v1/appointments/${id}/${verb}`, headers: auth, ...(payload ? { payload } : {}) });
}

/** Outbox rows of one appointment, by type (what the relay will deliver). */
export async function outboxFor(t: TestApp, appointmentId: string) {
  return rawRows<{ id: string; queue: string; type: string; payload: Record<string, unknown>; available_at: Date }>(
    t.deps.database.db,
    sql`select id, queue, type, payload, available_at from outbox
         where payload->>'appointmentId' = ${appointmentId}
         order by available_at, created_at`,
  );
}

/** Moves the hospital onto a new plan (a throwaway one) with the given monthly appointment limit. */
export async function setMonthlyLimit(t: TestApp, hospitalId: string, maxAppointmentsPerMonth: number): Promise<void> {
  const code = `test-${randomUUID().slice(0, 8)}`;
  await t.deps.database.db.execute(
    sql`insert into subscription_plans (code, name, price_cents, currency, interval, max_doctors, max_appointments_per_month, sms_enabled, trial_days, is_default, active)
        values (${code}, 'Test plan', 0, 'USD', 'month', 10, ${maxAppointmentsPerMonth}, true, 0, false, false)`,
  );
  await t.deps.database.db.execute(
    sql`update hospital_subscriptions set plan_id = (select id from subscription_plans where code = ${code}) where hospital_id = ${hospitalId}`,
  );
}

export async function setSubscriptionStatus(t: TestApp, hospitalId: string, status: string, periodEnd?: Date): Promise<void> {
  await t.deps.database.db.execute(
    sql`update hospital_subscriptions set status = ${status}${periodEnd ? sql`, current_period_end = ${periodEnd.toISOString()}::timestamptz` : sql``}
         where hospital_id = ${hospitalId}`,
  );
}

/** An appointment that already started (booking refuses the past, so tests of complete/no-show write it directly). */
export async function insertStartedAppointment(t: TestApp, hospitalId: string, doctorId: string, patientId: string, minutesAgo = 10): Promise<string> {
  const start = new Date(Date.now() - minutesAgo * 60_000);
  const end = new Date(start.getTime() + 30 * 60_000);
  const [row] = await rawRows<{ id: string }>(
    t.deps.database.db,
    sql`insert into appointments (hospital_id, doctor_id, patient_id, starts_at, ends_at)
        values (${hospitalId}, ${doctorId}, ${patientId}, ${start.toISOString()}::timestamptz, ${end.toISOString()}::timestamptz)
        returning id`,
  );
  return row!.id;
}

/**
 * Two app instances with separate connection pools (services target; they
 * share one Supabase peer so a token is valid on both), or one app twice on
 * the embedded target (PGlite is one connection in one process).
 */
export async function appPair(env: Record<string, string> = {}): Promise<{ a: TestApp; b: TestApp; close(): Promise<void> }> {
  if (!onServices) {
    const a = await createTestApp({ env: { ...appointmentTestEnv, ...env } });
    return { a, b: a, close: () => a.close() };
  }
  const peer = await startSupabasePeer();
  const a = await createTestApp({ env: { ...appointmentTestEnv, ...env }, supabase: peer });
  const b = await createTestApp({ env: { ...appointmentTestEnv, ...env }, supabase: peer });
  return {
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      await peer.close();
    },
  };
}

/** `count` patients written with one statement (fixtures for contention tests). */
export async function insertPatients(t: TestApp, hospitalId: string, count: number): Promise<string[]> {
  const rows = await rawRows<{ id: string }>(
    t.deps.database.db,
    sql`insert into patients (hospital_id, name) select ${hospitalId}, 'Patient ' || g from generate_series(1, ${count}) g returning id`,
  );
  return rows.map((r) => r.id);
}
