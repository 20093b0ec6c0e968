import type { ContactPoint, Practitioner } from '@medplum/fhirtypes';

/** What the Practitioner mapping reads of a doctor (the doctors module's row has more). */
export interface DoctorFacts {
  id: string;
  name: string;
  email: string;
  phone: string | null;
  specialization: string | null;
  active: boolean;
  updatedAt: Date;
}

export function telecomOf(email: string | null, phone: string | null): ContactPoint[] {
  return [
    ...(email ? [{ system: 'email' as const, value: email, use: 'work' as const }] : []),
    ...(phone ? [{ system: 'phone' as const, value: phone }] : []),
  ];
}

/** A doctor as a FHIR Practitioner; the specialization travels as a qualification's text (Tempus keeps no coded specialty). */
export function toPractitioner(doctor: DoctorFacts): Practitioner {
  const telecom = telecomOf(doctor.email, doctor.phone);
  return {
    resourceType: 'Practitioner',
    id: doctor.id,
    meta: { lastUpdated: doctor.updatedAt.toISOString() },
    active: doctor.active,
    name: [{ text: doctor.name }],
    ...(telecom.length ? { telecom } : {}),
    ...(doctor.specialization ? { qualification: [{ code: { text: doctor.specialization } }] } : {}),
  };
}
