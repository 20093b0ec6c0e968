import type { CodeableConcept, HealthcareService } from '@medplum/fhirtypes';
import { ref } from './references.ts';

/** What the HealthcareService mapping reads of a visit type. */
export interface VisitTypeFacts {
  id: string;
  name: string;
  durationMinutes: number;
  doctorIds: string[];
  bookableOnline: boolean;
  active: boolean;
  updatedAt: Date;
}

/**
 * R4 has no element for a service's length nor for who performs it (that is
 * PractitionerRole's job, a resource per doctor and service we do not keep),
 * so both are Tempus extensions; `urn:` URLs because no StructureDefinition
 * is published for them.
 */
export const VISIT_EXTENSION = {
  duration: 'urn:tempus:fhir:extension:visit-duration',
  practitioner: 'urn:tempus:fhir:extension:visit-practitioner',
};
/** The code system of visit types where another resource names one (Appointment and Schedule `serviceType`). */
export const VISIT_TYPE_SYSTEM = 'urn:tempus:visit-type';
const CHARACTERISTIC_SYSTEM = 'urn:tempus:visit-characteristic';

/** A visit type as a `serviceType` concept: its id as the code, its name as the text. */
export const visitTypeConcept = (v: { id: string; name: string }): CodeableConcept => ({
  coding: [{ system: VISIT_TYPE_SYSTEM, code: v.id, display: v.name }],
  text: v.name,
});

/**
 * A visit type as a HealthcareService at the hospital's Location (there is
 * no Organization resource here, and `providedBy` may only name one, so it is
 * left out); the type itself is `type[0]`, so a client reads the same concept
 * here as in Appointment.serviceType.
 */
export function toHealthcareService(v: VisitTypeFacts, hospitalId: string): HealthcareService {
  return {
    resourceType: 'HealthcareService',
    id: v.id,
    meta: { lastUpdated: v.updatedAt.toISOString() },
    extension: [
      { url: VISIT_EXTENSION.duration, valueDuration: { value: v.durationMinutes, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' } },
      ...v.doctorIds.map((id) => ({ url: VISIT_EXTENSION.practitioner, valueReference: { reference: ref.practitioner(id) } })),
    ],
    active: v.active,
    name: v.name,
    type: [visitTypeConcept(v)],
    location: [{ reference: ref.location(hospitalId) }],
    ...(v.bookableOnline ? { characteristic: [{ coding: [{ system: CHARACTERISTIC_SYSTEM, code: 'bookable-online', display: 'Bookable online' }] }] } : {}),
    appointmentRequired: true,
  };
}
