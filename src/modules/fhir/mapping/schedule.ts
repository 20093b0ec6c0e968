import type { CodeableConcept, Schedule } from '@medplum/fhirtypes';
import type { DoctorFacts } from './practitioner.ts';
import { ref } from './references.ts';

/**
 * One Schedule per doctor, at the hospital's Location. The Location comes
 * first among the actors: SMART Scheduling Links clients read `actor[0]` as
 * where the visit happens. Without a coded specialty the service type is the
 * doctor's specialization as text (SMART's convention is a CodeableConcept;
 * visit types will add their own codes once they exist).
 */
export function toSchedule(doctor: DoctorFacts, hospitalId: string, horizon?: { start: Date; end: Date }): Schedule {
  const serviceType: CodeableConcept[] = [{ text: doctor.specialization ?? 'Consultation' }];
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
