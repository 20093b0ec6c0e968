import { sql, type SQL } from 'drizzle-orm';
import type { NotificationChannel } from '../../infra/db/schema/patients.ts';

/**
 * Who a patient message goes to and in what words, read the same way by every
 * resolver that writes to a patient about something they booked (an
 * appointment, a series): the patient's contact details and channel, the
 * doctor's and the hospital's names, the hospital's zone, and the language
 * (the patient's, else the hospital's default). One column list, one set of
 * joins and one mapping, so the two resolvers cannot drift apart.
 */
export interface PatientRecipient {
  hospitalId: string;
  patientId: string;
  patientName: string;
  patientEmail: string | null;
  patientPhone: string | null;
  channel: NotificationChannel;
  doctorName: string;
  hospitalName: string;
  hospitalAddress: string | null;
  timezone: string;
  /** The patient's language, else the hospital's default: every message is written in it. */
  language: string;
}

/** The row `patientRecipientColumns` selects. */
export interface PatientRecipientRow {
  hospital_id: string;
  patient_id: string;
  patient_name: string;
  patient_email: string | null;
  patient_phone: string | null;
  channel: NotificationChannel;
  doctor_name: string;
  hospital_name: string;
  hospital_address: string | null;
  timezone: string;
  language: string;
}

/** The tables the booking lives in; each has hospital_id, patient_id and doctor_id. */
type Owner = 'a' | 's';

/** The select list, for a query over `owner` joined with `patientRecipientJoins(owner)`. */
export const patientRecipientColumns = (owner: Owner): SQL =>
  sql.raw(`${owner}.hospital_id, ${owner}.patient_id, p.name as patient_name, p.email as patient_email, p.phone as patient_phone,
           p.notification_channel as channel, d.name as doctor_name, h.name as hospital_name, h.address as hospital_address,
           h.timezone, coalesce(p.language, h.default_language) as language`);

/** The patient (p), doctor (d) and hospital (h) of `owner`, within its hospital. */
export const patientRecipientJoins = (owner: Owner): SQL =>
  sql.raw(`join patients p on p.hospital_id = ${owner}.hospital_id and p.id = ${owner}.patient_id
           join doctors d on d.hospital_id = ${owner}.hospital_id and d.id = ${owner}.doctor_id
           join hospitals h on h.id = ${owner}.hospital_id`);

export function patientRecipientOf(row: PatientRecipientRow): PatientRecipient {
  return {
    hospitalId: row.hospital_id,
    patientId: row.patient_id,
    patientName: row.patient_name,
    patientEmail: row.patient_email,
    patientPhone: row.patient_phone,
    channel: row.channel,
    doctorName: row.doctor_name,
    hospitalName: row.hospital_name,
    hospitalAddress: row.hospital_address,
    timezone: row.timezone,
    language: row.language,
  };
}
