import type { CodeableConcept, Schedule } from '@medplum/fhirtypes';
import type { DoctorFacts } from './practitioner.ts';
import { visitTypeConcept } from './healthcare-service.ts';
import { ref } from './references.ts';

/**
 * One Schedule per doctor, at the hospital's Location. The Location comes
 * first among the actors: SMART Scheduling Links clients read `actor[0]` as
 * where the visit happens. The service types are the visit types given (the
 * published file passes those the doctor offers online, SMART's convention);
 * without any, the doctor's specialization as text.
 */
export function toSchedule(doctor: DoctorFacts, hospitalId: string, horizon?: { start: Date; end: Date }, visitTypes: { id: string; name: string }[] = []): Schedule {
  const serviceType: CodeableConcept[] = visitTypes.length ? visitTypes.map(visitTypeConcept) : [{ text: doctor.specialization ?? 'Consultation' }];
  return {
    resourceType: 'Schedule',
    id: doctor.id,
    meta: { lastUpdated: doctor.updatedAt.toISOString() },
    active: doctor.active,
    serviceType,
    actor: [{ reference: ref.location(hospitalId) }, { reference: ref.practitioner(doctor.id), display: doctor.name }],
    ...(horizon ? { planningHorizon: { start: horizon.start.toISOString(), end: horizon.end.toISOString() } } : {}),
  };
}
