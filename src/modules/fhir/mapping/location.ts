import type { Location } from '@medplum/fhirtypes';
import { telecomOf } from './practitioner.ts';

/** What the Location mapping reads of a hospital. */
export interface HospitalFacts {
  id: string;
  name: string;
  subdomain: string;
  email: string | null;
  phone: string | null;
  address: string | null;
  timezone: string;
  updatedAt: Date;
}

/** The IANA zone of the hospital: R4 has no Location element for it, so it travels as the R5 backport extension. */
export const TIMEZONE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/timezone';

/**
 * A hospital as the FHIR Location where its appointments take place. Tempus
 * keeps the address as one free text, so it is `address.text` (and its one
 * line), not split into city and postal code it does not know.
 */
export function toLocation(hospital: HospitalFacts, bookingUrl?: string): Location {
  const telecom = [...telecomOf(hospital.email, hospital.phone), ...(bookingUrl ? [{ system: 'url' as const, value: bookingUrl }] : [])];
  return {
    resourceType: 'Location',
    id: hospital.id,
    meta: { lastUpdated: hospital.updatedAt.toISOString() },
    extension: [{ url: TIMEZONE_EXTENSION, valueCode: hospital.timezone }],
    status: 'active',
    mode: 'instance',
    name: hospital.name,
    alias: [hospital.subdomain],
    ...(telecom.length ? { telecom } : {}),
    ...(hospital.address ? { address: { text: hospital.address, line: [hospital.address] } } : {}),
  };
}
