import type { Appointment, AppointmentParticipant } from '@medplum/fhirtypes';
import { visitTypeConcept } from './healthcare-service.ts';
import { ref } from './references.ts';

/** A room or device an appointment holds. */
export interface HeldResource {
  id: string;
  kind: string;
  name: string;
}

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
  /** The visit type booked, when there was one. */
  visitType?: { id: string; name: string } | null;
  resources?: HeldResource[];
}

/** Where a resource of this kind goes: a room (`room`, `exam-room`, `operating-room`) is a Location, anything else a Device. */
export const isRoomKind = (kind: string) => kind === 'room' || kind.endsWith('-room');

/** The identifier system of Tempus resources (rooms, devices): they are named, not linked (no Location or Device of their own). */
export const RESOURCE_SYSTEM = 'urn:tempus:resource';

/**
 * A held resource as a participant: a logical reference (type, identifier,
 * display) rather than a literal one, because rooms and devices are not
 * served as resources of their own — nothing dangles.
 */
export function resourceParticipant(r: HeldResource): AppointmentParticipant {
  return {
    actor: { type: isRoomKind(r.kind) ? 'Location' : 'Device', identifier: { system: RESOURCE_SYSTEM, value: r.id }, display: r.name },
    required: 'required',
    status: 'accepted',
  };
}

/** Tempus status → FHIR Appointment.status (and back, for the `status` search parameter). */
export const FHIR_STATUS = { scheduled: 'booked', completed: 'fulfilled', cancelled: 'cancelled', no_show: 'noshow' } as const;
export type FhirAppointmentStatus = (typeof FHIR_STATUS)[keyof typeof FHIR_STATUS];
export const TEMPUS_STATUS = Object.fromEntries(Object.entries(FHIR_STATUS).map(([k, v]) => [v, k])) as Record<FhirAppointmentStatus, AppointmentFacts['status']>;

const MINUTE_MS = 60_000;

/**
 * Participants: the patient and the practitioner, then the visit type's
 * HealthcareService and the rooms and devices held, all required and
 * accepted (Tempus books them, it does not invite them).
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
    ...(a.visitType ? { serviceType: [visitTypeConcept(a.visitType)] } : {}),
    ...(a.reason ? { reasonCode: [{ text: a.reason }] } : {}),
    ...(a.status === 'cancelled' && a.cancelReason ? { cancelationReason: { text: a.cancelReason } } : {}),
    participant: [
      { actor: { reference: ref.patient(a.patientId) }, required: 'required', status: 'accepted' },
      { actor: { reference: ref.practitioner(a.doctorId) }, required: 'required', status: 'accepted' },
      ...(a.visitType ? [{ actor: { reference: ref.healthcareService(a.visitType.id), display: a.visitType.name }, required: 'required' as const, status: 'accepted' as const }] : []),
      ...(a.resources ?? []).map(resourceParticipant),
    ],
  };
}
