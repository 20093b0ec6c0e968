import type { Appointment } from '@medplum/fhirtypes';
import { ref } from './references.ts';

/** What the Appointment mapping reads of an appointment. */
export interface AppointmentFacts {
  id: string;
  doctorId: string;
  patientId: string;
  startsAt: Date;
  endsAt: Date;
  status: 'scheduled' | 'completed' | 'cancelled' | 'no_show';
  reason: string | null;
  cancelReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Tempus status → FHIR Appointment.status (and back, for the `status` search parameter). */
export const FHIR_STATUS = { scheduled: 'booked', completed: 'fulfilled', cancelled: 'cancelled', no_show: 'noshow' } as const;
export type FhirAppointmentStatus = (typeof FHIR_STATUS)[keyof typeof FHIR_STATUS];
export const TEMPUS_STATUS = Object.fromEntries(Object.entries(FHIR_STATUS).map(([k, v]) => [v, k])) as Record<FhirAppointmentStatus, AppointmentFacts['status']>;

const MINUTE_MS = 60_000;

/**
 * Participants: the patient and the practitioner, both required and
 * accepted (Tempus books people, it does not invite them). Resources (rooms,
 * devices) join as further participants once they exist.
 */
export function toAppointment(a: AppointmentFacts): Appointment {
  return {
    resourceType: 'Appointment',
    id: a.id,
    meta: { lastUpdated: a.updatedAt.toISOString() },
    status: FHIR_STATUS[a.status],
    start: a.startsAt.toISOString(),
    end: a.endsAt.toISOString(),
    minutesDuration: Math.round((a.endsAt.getTime() - a.startsAt.getTime()) / MINUTE_MS),
    created: a.createdAt.toISOString(),
    ...(a.reason ? { reasonCode: [{ text: a.reason }] } : {}),
    ...(a.status === 'cancelled' && a.cancelReason ? { cancelationReason: { text: a.cancelReason } } : {}),
    participant: [
      { actor: { reference: ref.patient(a.patientId) }, required: 'required', status: 'accepted' },
      { actor: { reference: ref.practitioner(a.doctorId) }, required: 'required', status: 'accepted' },
    ],
  };
}
