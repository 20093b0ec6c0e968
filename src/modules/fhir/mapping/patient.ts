import type { Patient } from '@medplum/fhirtypes';
import { telecomOf } from './practitioner.ts';

/** What the Patient mapping reads: demographics only (Tempus keeps clinical notes elsewhere and never maps them here). */
export interface PatientFacts {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  dateOfBirth: string | null;
  /** BCP 47; a patient without one has no communication (the hospital's default is not theirs). */
  language?: string | null;
  /** Set once the patient was erased: the record is a tombstone and says so. */
  erasedAt?: Date | null;
  updatedAt: Date;
}

/** The tag an erased patient's Patient (and their export's Bundle) carries. */
export const ERASED_TAG = { system: 'urn:tempus:patient-status', code: 'erased', display: 'Erased patient: identifying data removed' } as const;

/** A pure function of the row: the FHIR read API and the patient's export share it. */
export function toPatient(patient: PatientFacts): Patient {
  const telecom = telecomOf(patient.email, patient.phone);
  const erased = !!patient.erasedAt;
  return {
    resourceType: 'Patient',
    id: patient.id,
    meta: { lastUpdated: patient.updatedAt.toISOString(), ...(erased ? { tag: [{ ...ERASED_TAG }] } : {}) },
    active: !erased,
    name: [{ text: patient.name }],
    ...(telecom.length ? { telecom } : {}),
    ...(patient.dateOfBirth ? { birthDate: patient.dateOfBirth } : {}),
    // FHIR's language binding is BCP 47 itself (urn:ietf:bcp:47); the text lets a reader without the value set see it.
    ...(patient.language ? { communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: patient.language }], text: patient.language } }] } : {}),
  };
}
