// The FHIR R4 read API's rules: which rows a search means and who may see them; the mapping to FHIR lives in mapping/.
import type { Resource } from '@medplum/fhirtypes';
import { withTenantRead, type ReadRouting } from '../../infra/db/replica.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { MemberRole } from '../../infra/db/schema/members.ts';
import { pageOf } from '../../shared/cursor.ts';
import { DomainError, notFound } from '../../shared/errors.ts';
import { findAppointment, listAppointments } from '../appointments/appointments.repo.ts';
import type { AvailabilityService } from '../availability/availability.service.ts';
import { findDoctor, listDoctors } from '../doctors/doctors.repo.ts';
import { findHospital } from '../hospitals/hospitals.repo.ts';
import { findPatient, listPatients } from '../patients/patients.repo.ts';
import { findVisitType, listVisitTypes } from '../visit-types/visit-types.repo.ts';
import { toFhirAppointments } from './fhir-appointments.ts';
import { countDoctors, countPatients, countVisitTypes, visitTypesByDoctor } from './fhir.repo.ts';
import { TEMPUS_STATUS, type FhirAppointmentStatus } from './mapping/appointment.ts';
import { toHealthcareService } from './mapping/healthcare-service.ts';
import { toLocation } from './mapping/location.ts';
import { toPatient } from './mapping/patient.ts';
import { toPractitioner } from './mapping/practitioner.ts';
import { isUuid } from './mapping/references.ts';
import { toSchedule } from './mapping/schedule.ts';
import { cursorOf, pageSizeOf, searchset, type PageParams, type Paging } from './paging.ts';
import { alternatives, booleanToken, dateWindow, references, tokens } from './search-params.ts';
import { createSlotSearch, type SlotQuery } from './slots.ts';

/** Who reads: the member's hospital and role (a doctor sees only their own appointments, as in /v1). */
export interface FhirReader {
  userId: string;
  hospitalId: string;
  role: MemberRole;
  doctorId: string | null;
}

type Values = string[] | undefined;
export type PractitionerQuery = PageParams & { _id?: Values; active?: Values };
export type PatientQuery = PageParams & { _id?: Values; name?: Values };
export type LocationQuery = PageParams & { _id?: Values };
export type ScheduleQuery = PageParams & { _id?: Values; actor?: Values; active?: Values };
export type HealthcareServiceQuery = PageParams & { _id?: Values; active?: Values; name?: Values };
export type AppointmentQuery = PageParams & { _id?: Values; date?: Values; actor?: Values; patient?: Values; practitioner?: Values; status?: Values };

export interface FhirServiceDeps {
  reads: ReadRouting;
  availability: AvailabilityService;
  paging: Paging;
  now?: () => Date;
}

const APPOINTMENT_STATUSES = Object.keys(TEMPUS_STATUS) as FhirAppointmentStatus[];

export function createFhirService({ reads, availability, paging, now = () => new Date() }: FhirServiceDeps) {
  const inTenant = <T>(reader: FhirReader, fn: (scope: TenantScope) => Promise<T>) => withTenantRead(reads, reader, reader.hospitalId, fn);
  const slots = createSlotSearch({ reads, availability, paging, now });

  /** `_id` as a search: the one resource (or none) by id, through the read that checks access. */
  async function byIds<R extends Resource>(type: string, query: PageParams & { _id?: Values }, read: (id: string) => Promise<R>) {
    const ids = alternatives(query._id) ?? [];
    // Not found (another hospital's, a doctor's colleague's) is no match; any other failure is the search's.
    const orNone = (err: unknown) => {
      if (err instanceof DomainError && err.code === 'NOT_FOUND') return null;
      throw err;
    };
    const found = await Promise.all(ids.map((id) => (isUuid(id) ? read(id.toLowerCase()).catch(orNone) : null)));
    const resources = found.filter((r): r is Awaited<R> => r !== null);
    return searchset(paging, type, query, { resources, nextCursor: null, total: resources.length });
  }

  /** A FHIR id that is no UUID names nothing here: 404, not a database error. */
  const known = (id: string, what: string) => {
    if (!isUuid(id)) throw notFound(what);
    return id.toLowerCase();
  };

  const readPractitioner = (reader: FhirReader, id: string) =>
    inTenant(reader, async (scope) => {
      const doctor = await findDoctor(scope, known(id, 'Practitioner'));
      if (!doctor) throw notFound('Practitioner');
      return toPractitioner(doctor);
    });
  const readSchedule = (reader: FhirReader, id: string) =>
    inTenant(reader, async (scope) => {
      const doctor = await findDoctor(scope, known(id, 'Schedule'));
      if (!doctor) throw notFound('Schedule');
      const offered = await visitTypesByDoctor(scope, { doctorIds: [doctor.id] });
      return toSchedule(doctor, reader.hospitalId, undefined, offered.get(doctor.id));
    });
  const readPatient = (reader: FhirReader, id: string) =>
    inTenant(reader, async (scope) => {
      const patient = await findPatient(scope, known(id, 'Patient'));
      if (!patient) throw notFound('Patient');
      return toPatient(patient);
    });
  const readLocation = (reader: FhirReader, id: string) =>
    inTenant(reader, async (scope) => {
      const hospital = id === reader.hospitalId ? await findHospital(scope) : null;
      if (!hospital) throw notFound('Location');
      return toLocation(hospital);
    });
  const readAppointment = (reader: FhirReader, id: string) =>
    inTenant(reader, async (scope) => {
      const row = await findAppointment(scope, known(id, 'Appointment'));
      if (!row || (reader.role === 'doctor' && row.doctorId !== reader.doctorId)) throw notFound('Appointment');
      return (await toFhirAppointments(scope, [row]))[0]!;
    });
  const readHealthcareService = (reader: FhirReader, id: string) =>
    inTenant(reader, async (scope) => {
      const row = await findVisitType(scope, known(id, 'HealthcareService'));
      if (!row) throw notFound('HealthcareService');
      return toHealthcareService(row, reader.hospitalId);
    });

  /** Doctors as Practitioners or Schedules: one keyset page by (name, id), with the total (a count on an index); Schedules add the visit types offered. */
  async function doctorPage(reader: FhirReader, query: PageParams & { active?: Values }, withVisitTypes = false) {
    const limit = pageSizeOf(paging, query);
    const active = booleanToken('active', query.active);
    return inTenant(reader, async (scope) => {
      const rows = await listDoctors(scope, { limit, after: cursorOf(query), ...(active === undefined ? {} : { active }) });
      const total = await countDoctors(scope, active);
      const page = pageOf(rows, limit, (r) => r.name);
      const offered = withVisitTypes ? await visitTypesByDoctor(scope, { doctorIds: page.items.map((d) => d.id) }) : new Map<string, { id: string; name: string }[]>();
      return { ...page, total, offered };
    });
  }

  return {
    readPractitioner,
    readSchedule,
    readPatient,
    readLocation,
    readAppointment,
    readHealthcareService,
    readSlot: slots.read,
    searchSlots: (reader: FhirReader, query: SlotQuery) => slots.search(reader, query),

    async searchPractitioners(reader: FhirReader, query: PractitionerQuery) {
      if (query._id) return byIds('Practitioner', query, (id) => readPractitioner(reader, id));
      const page = await doctorPage(reader, query);
      return searchset(paging, 'Practitioner', query, { resources: page.items.map(toPractitioner), nextCursor: page.nextCursor, total: page.total });
    },

    async searchSchedules(reader: FhirReader, query: ScheduleQuery) {
      const actors = references('actor', query.actor, 'Practitioner');
      if (query._id || actors) {
        const ids = [...(alternatives(query._id) ?? []), ...(actors ?? [])];
        return byIds('Schedule', { ...query, _id: ids }, (id) => readSchedule(reader, id));
      }
      const page = await doctorPage(reader, query, true);
      const resources = page.items.map((d) => toSchedule(d, reader.hospitalId, undefined, page.offered.get(d.id)));
      return searchset(paging, 'Schedule', query, { resources, nextCursor: page.nextCursor, total: page.total });
    },

    async searchPatients(reader: FhirReader, query: PatientQuery) {
      if (query._id) return byIds('Patient', query, (id) => readPatient(reader, id));
      const limit = pageSizeOf(paging, query);
      const search = alternatives(query.name)?.join(' ');
      return inTenant(reader, async (scope) => {
        const rows = await listPatients(scope, { limit, after: cursorOf(query), ...(search ? { search } : {}) });
        const page = pageOf(rows, limit, (r) => r.name);
        // The total of a name search would cost a second trigram scan: only the plain list counts.
        const total = search ? undefined : await countPatients(scope);
        return searchset(paging, 'Patient', query, { resources: page.items.map(toPatient), nextCursor: page.nextCursor, ...(total === undefined ? {} : { total }) });
      });
    },

    async searchLocations(reader: FhirReader, query: LocationQuery) {
      const ids = alternatives(query._id);
      if (ids && !ids.includes(reader.hospitalId)) return searchset(paging, 'Location', query, { resources: [], nextCursor: null, total: 0 });
      const location = await readLocation(reader, reader.hospitalId);
      return searchset(paging, 'Location', query, { resources: [location], nextCursor: null, total: 1 });
    },

    async searchHealthcareServices(reader: FhirReader, query: HealthcareServiceQuery) {
      if (query._id) return byIds('HealthcareService', query, (id) => readHealthcareService(reader, id));
      const limit = pageSizeOf(paging, query);
      const active = booleanToken('active', query.active);
      const nameContains = alternatives(query.name)?.join(' ');
      return inTenant(reader, async (scope) => {
        const rows = await listVisitTypes(scope, { limit, after: cursorOf(query), ...(active === undefined ? {} : { active }), ...(nameContains ? { nameContains } : {}) });
        const page = pageOf(rows, limit, (r) => r.name);
        const total = nameContains ? undefined : await countVisitTypes(scope, active);
        const resources = page.items.map((v) => toHealthcareService(v, reader.hospitalId));
        return searchset(paging, 'HealthcareService', query, { resources, nextCursor: page.nextCursor, ...(total === undefined ? {} : { total }) });
      });
    },

    async searchAppointments(reader: FhirReader, query: AppointmentQuery) {
      if (query._id) return byIds('Appointment', query, (id) => readAppointment(reader, id));
      const window = dateWindow('date', query.date);
      const patientIds = [...(references('patient', query.patient, 'Patient') ?? [])];
      const practitionerIds = [...(references('practitioner', query.practitioner, 'Practitioner') ?? [])];
      for (const actor of alternatives(query.actor) ?? []) {
        if (actor.startsWith('Patient/')) patientIds.push(...(references('actor', [actor], 'Patient') ?? []));
        else practitionerIds.push(...(references('actor', [actor], 'Practitioner') ?? []));
      }
      const statuses = tokens('status', query.status, APPOINTMENT_STATUSES)?.map((s) => TEMPUS_STATUS[s]);
      // A doctor reads their own appointments only; asking for another's finds nothing, as in /v1.
      if (reader.role === 'doctor') practitionerIds.push(reader.doctorId ?? '00000000-0000-0000-0000-000000000000');
      const limit = pageSizeOf(paging, query);
      const unique = (ids: string[]) => [...new Set(ids)];
      const [doctorId, ...otherDoctors] = unique(practitionerIds);
      const [patientId, ...otherPatients] = unique(patientIds);
      // Several different practitioners (or patients) at once: no appointment has two.
      const impossible = otherDoctors.length > 0 || otherPatients.length > 0 || statuses?.length === 0 || (window.from ?? -Infinity) >= (window.to ?? Infinity);
      if (impossible) return searchset(paging, 'Appointment', query, { resources: [], nextCursor: null });
      return inTenant(reader, async (scope) => {
        const rows = await listAppointments(
          scope,
          {
            ...(doctorId ? { doctorId } : {}),
            ...(patientId ? { patientId } : {}),
            ...(statuses ? { statuses } : {}),
            ...(window.from !== undefined ? { from: new Date(window.from) } : {}),
            ...(window.to !== undefined ? { to: new Date(window.to) } : {}),
          },
          cursorOf(query),
          limit,
        );
        const page = pageOf(rows, limit, (r) => r.startsAt.toISOString());
        return searchset(paging, 'Appointment', query, { resources: await toFhirAppointments(scope, page.items), nextCursor: page.nextCursor });
      });
    },
  };
}

export type FhirService = ReturnType<typeof createFhirService>;
