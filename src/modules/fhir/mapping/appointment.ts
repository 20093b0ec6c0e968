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

/** Tempus status → FHIR Appointment.status. */
export const FHIR_STATUS = { scheduled: 'booked', completed: 'fulfilled', cancelled: 'cancelled', no_show: 'noshow' } as const;

const MINUTE_MS = 60_000;

/** The patient and the practitioner, both required and accepted: Tempus books people, it does not invite them. */
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
