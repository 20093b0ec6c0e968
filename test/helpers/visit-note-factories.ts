import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { rawRows } from '../../src/infra/db/client.ts';
import type { TestApp } from './app.ts';
import { registerHospital, type RegisteredHospital } from './factories.ts';
import { addMember, insertDoctors, type TestUser } from './member-factories.ts';
import { insertAppointment, insertPatientRow } from './scheduling-factories.ts';

type Auth = { authorization: string };

/** A full SOAP note with a diagnosis and a prescription. */
export const SAMPLE_NOTE = {
  subjective: 'Sore throat for three days, no fever.',
  objective: 'Pharynx red, tonsils not enlarged. T 36.9 C.',
  assessment: 'Viral pharyngitis.',
  plan: 'Fluids, rest; review in a week if not better.',
  diagnoses: [{ code: 'J02.9', description: 'Acute pharyngitis, unspecified' }],
  prescriptions: [{ drug: 'Ibuprofen 400 mg', dose: '1 tablet', frequency: 'up to three times a day', durationDays: 5 }],
};

/** The audit events of one entity, oldest first. */
export async function auditRows(t: TestApp, hospitalId: string, entityId: string) {
  return rawRows<{ action: string; actor_user_id: string; changes: string[] | null; metadata: Record<string, unknown> | null; request_id: string }>(
    t.deps.database.db,
    sql`select action, actor_user_id, changes, metadata, request_id from audit_events
         where hospital_id = ${hospitalId} and entity_id = ${entityId} order by created_at, id`,
  );
}

export interface NoteWorld {
  hospital: RegisteredHospital;
  /** A doctor member linked to `doctorId`: the doctor of appointments made with noteAppointment(). */
  doctor: TestUser & { doctorId: string };
  /** Another doctor of the same hospital (reads notes, writes none of this doctor's). */
  otherDoctor: TestUser & { doctorId: string };
  admin: TestUser;
  staff: TestUser;
  patientId: string;
}

/** A hospital with two doctor members, an admin, a staff member and one patient (rows written directly: fast). */
export async function noteWorld(t: TestApp): Promise<NoteWorld> {
  const hospital = await registerHospital(t, { timezone: 'UTC' });
  const [doctorId, otherDoctorId] = await insertDoctors(t, hospital.id, 2);
  const [doctor, otherDoctor, admin, staff, patientId] = await Promise.all([
    addMember(t, hospital, 'doctor', { doctorId: doctorId! }),
    addMember(t, hospital, 'doctor', { doctorId: otherDoctorId! }),
    addMember(t, hospital, 'admin'),
    addMember(t, hospital, 'staff'),
    insertPatientRow(t, hospital.id, 'Note Patient'),
  ]);
  return {
    hospital,
    doctor: { ...doctor, doctorId: doctorId! },
    otherDoctor: { ...otherDoctor, doctorId: otherDoctorId! },
    admin,
    staff,
    patientId,
  };
}

let slot = 0;

/**
 * An appointment written with SQL (any status, past or future), each one a
 * separate hour so the exclusion constraints never meet.
 */
export async function noteAppointment(
  t: TestApp,
  w: NoteWorld,
  options: { doctorId?: string; patientId?: string; status?: 'scheduled' | 'completed' | 'cancelled' | 'no_show' } = {},
): Promise<string> {
  const start = new Date(Date.UTC(2030, 0, 1) + ++slot * 3_600_000);
  return insertAppointment(t, w.hospital.id, {
    doctorId: options.doctorId ?? w.doctor.doctorId,
    patientId: options.patientId ?? w.patientId,
    start,
    end: new Date(start.getTime() + 30 * 60_000),
    status: options.status ?? 'completed',
  });
}

export interface NoteData {
  id: string;
  appointmentId: string;
  patientId: string;
  doctorId: string;
  version: number;
  subjective: string | null;
  objective: string | null;
  assessment: string | null;
  plan: string | null;
  diagnoses: { code: string; description: string }[];
  prescriptions: { drug: string; dose: string; frequency: string; durationDays: number }[];
  createdAt: string;
  updatedAt: string;
}

export function postNote(t: TestApp, auth: Auth, appointmentId: string, payload: unknown): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'POST', url: `/v1/appointments/${appointmentId}/visit-notes`, headers: auth, payload: payload as Record<string, unknown> });
}

export function putNote(t: TestApp, auth: Auth, noteId: string, payload: unknown): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'PUT', url: `/v1/visit-notes/${noteId}`, headers: auth, payload: payload as Record<string, unknown> });
}

export async function writeNote(t: TestApp, auth: Auth, appointmentId: string, payload: Record<string, unknown>): Promise<NoteData> {
  const res = await postNote(t, auth, appointmentId, payload);
  if (res.statusCode !== 201) throw new Error(`writeNote failed: ${res.statusCode} ${res.body}`);
  return res.json().data as NoteData;
}
