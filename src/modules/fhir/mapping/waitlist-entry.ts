import type { Appointment } from '@medplum/fhirtypes';
import { ref } from './references.ts';

/** What the mapping reads of a waitlist entry. */
export interface WaitlistEntryFacts {
  id: string;
  patientId: string;
  doctorId: string | null;
  visitTypeId: string | null;
  earliest: string;
  latest: string;
  note: string | null;
  status: 'active' | 'booked' | 'removed';
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A waitlist entry as FHIR R4 has it: an Appointment with status `waitlist`
 * (no start or end, allowed by invariant app-3) and the wanted dates as
 * `requestedPeriod`. An entry that was booked or removed no longer waits:
 * `cancelled` (the appointment it led to is in the export in its own right).
 */
export function waitlistEntryToAppointment(e: WaitlistEntryFacts): Appointment {
  return {
    resourceType: 'Appointment',
    id: e.id,
    meta: { lastUpdated: e.updatedAt.toISOString() },
    status: e.status === 'active' ? 'waitlist' : 'cancelled',
    created: e.createdAt.toISOString(),
    requestedPeriod: [{ start: e.earliest, end: e.latest }],
    ...(e.note ? { comment: e.note } : {}),
    participant: [
      { actor: { reference: ref.patient(e.patientId) }, required: 'required', status: 'needs-action' },
      ...(e.doctorId ? [{ actor: { reference: ref.practitioner(e.doctorId) }, required: 'required' as const, status: 'needs-action' as const }] : []),
      ...(e.visitTypeId ? [{ actor: { reference: ref.healthcareService(e.visitTypeId) }, required: 'required' as const, status: 'needs-action' as const }] : []),
    ],
  };
}
