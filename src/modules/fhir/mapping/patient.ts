import type { Patient } from '@medplum/fhirtypes';
import { telecomOf } from './practitioner.ts';

/** What the Patient mapping reads: demographics only (Tempus keeps clinical notes elsewhere and never maps them here). */
export interface PatientFacts {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  dateOfBirth: string | null;
  updatedAt: Date;
}

export function toPatient(patient: PatientFacts): Patient {
  const telecom = telecomOf(patient.email, patient.phone);
  return {
    resourceType: 'Patient',
    id: patient.id,
    meta: { lastUpdated: patient.updatedAt.toISOString() },
    active: true,
    name: [{ text: patient.name }],
    ...(telecom.length ? { telecom } : {}),
    ...(patient.dateOfBirth ? { birthDate: patient.dateOfBirth } : {}),
  };
}
