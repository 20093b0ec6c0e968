/**
 * What the FHIR API supports, in one table: the routes' query schemas and the
 * CapabilityStatement are both built from it, so the statement lists exactly
 * what the server does. Every type supports `read` and `search-type`.
 */
export type SearchParamType = 'token' | 'string' | 'reference' | 'date';

export interface SearchParamDefinition {
  name: string;
  type: SearchParamType;
  /** The standard R4 SearchParameter this one implements. */
  definition: string;
  documentation: string;
}

const std = (id: string) => `http://hl7.org/fhir/SearchParameter/${id}`;
const byId: SearchParamDefinition = { name: '_id', type: 'token', definition: std('Resource-id'), documentation: 'Logical id (comma-separated for several)' };

export const FHIR_TYPES = {
  Practitioner: {
    documentation: 'The hospital\'s doctors',
    params: [byId, { name: 'active', type: 'token', definition: std('Practitioner-active'), documentation: 'true: active doctors; false: deactivated ones' }],
  },
  Patient: {
    documentation: 'The hospital\'s patients (demographics only)',
    params: [byId, { name: 'name', type: 'string', definition: std('Patient-name'), documentation: 'Part of the name, phone or email (case-insensitive)' }],
  },
  Location: {
    documentation: 'The hospital itself (one Location)',
    params: [byId],
  },
  Schedule: {
    documentation: 'One Schedule per doctor (same id as the Practitioner)',
    params: [
      byId,
      { name: 'actor', type: 'reference', definition: std('Schedule-actor'), documentation: 'Practitioner/<id>: that doctor\'s Schedule' },
      { name: 'active', type: 'token', definition: std('Schedule-active'), documentation: 'true or false' },
    ],
  },
  Slot: {
    documentation: 'Bookable times computed from the doctors\' hours, time off and appointments (free), and live appointments (busy)',
    params: [
      { name: 'schedule', type: 'reference', definition: std('Slot-schedule'), documentation: 'Schedule/<id> (comma-separated for several); all active doctors when omitted' },
      { name: 'start', type: 'date', definition: std('Slot-start'), documentation: 'Prefixes ge, gt, le, lt, eq; default from now for 7 days; the window spans at most 31 days' },
      { name: 'status', type: 'token', definition: std('Slot-status'), documentation: 'free, busy or both (comma-separated); both when omitted' },
    ],
  },
  HealthcareService: {
    documentation: 'The hospital\'s visit types (length and doctors as extensions)',
    params: [
      byId,
      { name: 'active', type: 'token', definition: std('HealthcareService-active'), documentation: 'true or false' },
      { name: 'name', type: 'string', definition: std('HealthcareService-name'), documentation: 'Part of the name (case-insensitive)' },
    ],
  },
  Appointment: {
    documentation: 'Appointments (a doctor member sees their own only)',
    params: [
      byId,
      { name: 'date', type: 'date', definition: std('clinical-date'), documentation: 'The start, with prefixes ge, gt, le, lt, eq' },
      { name: 'actor', type: 'reference', definition: std('Appointment-actor'), documentation: 'Patient/<id> or Practitioner/<id>' },
      { name: 'patient', type: 'reference', definition: std('clinical-patient'), documentation: 'Patient/<id>' },
      { name: 'practitioner', type: 'reference', definition: std('Appointment-practitioner'), documentation: 'Practitioner/<id>' },
      { name: 'status', type: 'token', definition: std('Appointment-status'), documentation: 'booked, fulfilled, cancelled, noshow (comma-separated for several)' },
    ],
  },
} as const satisfies Record<string, { documentation: string; params: readonly SearchParamDefinition[] }>;

export type FhirType = keyof typeof FHIR_TYPES;
export const FHIR_TYPE_NAMES = Object.keys(FHIR_TYPES) as FhirType[];
