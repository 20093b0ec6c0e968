import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import type { Permission } from '../../http/permissions.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import type { FhirReader, FhirService } from './fhir.service.ts';
import { FHIR_JSON, FhirBundle, FhirCapabilityStatement, FhirIdParams, FhirResources, MetadataQuery, fhirContent, searchQuery } from './fhir.schemas.ts';
import type { FhirType } from './search-definitions.ts';

/** The /v1 permission each type is read under: the FHIR API shows exactly what the member could read there. */
const PERMISSION: Record<FhirType, Permission> = {
  Practitioner: 'doctors.read',
  Patient: 'patients.read',
  Location: 'hospital.read',
  Schedule: 'schedules.read',
  Slot: 'schedules.read',
  HealthcareService: 'visitTypes.read',
  Appointment: 'appointments.read',
};

type Query = Record<string, unknown>;
type Handlers = { read: (r: FhirReader, id: string) => Promise<Resource>; search: (r: FhirReader, q: Query) => Promise<Resource> };

const send = (reply: FastifyReply, body: Resource) => reply.type(FHIR_JSON).send(body);

export async function fhirRoutes(fastify: FastifyInstance, { service, capabilityStatement }: { service: FhirService; capabilityStatement: () => Resource }) {
  const app = typedRoutes(fastify, 'fhir');
  const handlers: Record<FhirType, Handlers> = {
    Practitioner: { read: service.readPractitioner, search: service.searchPractitioners },
    Patient: { read: service.readPatient, search: service.searchPatients },
    Location: { read: service.readLocation, search: service.searchLocations },
    Schedule: { read: service.readSchedule, search: service.searchSchedules },
    Slot: { read: service.readSlot, search: service.searchSlots },
    HealthcareService: { read: service.readHealthcareService, search: service.searchHealthcareServices },
    Appointment: { read: service.readAppointment, search: service.searchAppointments },
  };

  app.get(
    '/fhir/R4/metadata',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'fhirCapabilities',
        summary: 'The FHIR CapabilityStatement: the resource types, interactions and search parameters this server supports',
        querystring: MetadataQuery,
        response: { 200: fhirContent(FhirCapabilityStatement) },
      },
    },
    async (_request, reply) => send(reply, capabilityStatement()),
  );

  for (const type of Object.keys(handlers) as FhirType[]) {
    const { read, search } = handlers[type];
    app.get(
      `/fhir/R4/${type}`,
      {
        config: { permission: PERMISSION[type] },
        schema: {
          operationId: `fhirSearch${type}`,
          summary: `Search ${type} resources: a searchset Bundle, paged by _count and the next link`,
          querystring: searchQuery(type),
          response: { 200: fhirContent(FhirBundle) },
        },
      },
      async (request, reply) => send(reply, await search(tenantActorOf(request), request.query as Query)),
    );
    app.get(
      `/fhir/R4/${type}/:id`,
      {
        config: { permission: PERMISSION[type] },
        schema: {
          operationId: `fhirRead${type}`,
          summary: `Read one ${type} by id (another hospital's ids are not found)`,
          params: FhirIdParams,
          querystring: MetadataQuery,
          response: { 200: fhirContent(FhirResources[type]) },
        },
      },
      async (request, reply) => send(reply, await read(tenantActorOf(request), request.params.id)),
    );
  }
}
