import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ListEnvelope, ok, page } from '../../http/envelope.ts';
import { IdParams } from '../../http/schemas.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import { ListQuery, NoteContentBody, NoteIdParams, VisitNote, VisitNoteVersion } from './visit-notes.schemas.ts';
import type { VisitNoteService } from './visit-notes.service.ts';
import { noteView, versionView } from './visit-notes.views.ts';

const READ_DOC = 'Readable by doctors, owners and admins of the hospital, never by staff. Every read is an audit event.';

export async function visitNoteRoutes(fastify: FastifyInstance, { service }: { service: VisitNoteService }) {
  const app = typedRoutes(fastify, 'visit notes');

  app.post(
    '/v1/appointments/:id/visit-notes',
    {
      config: { permission: 'visitNotes.write' },
      schema: {
        operationId: 'createVisitNote',
        summary: "Write the first version of an appointment's visit note",
        description:
          "Only the appointment's doctor (403 otherwise); not on a cancelled appointment (409 APPOINTMENT_CANCELLED). " +
          'One note per appointment: a second POST is 409 VISIT_NOTE_EXISTS, whose details name the note to PUT to.',
        params: IdParams,
        body: NoteContentBody,
        response: { 201: Envelope(VisitNote), ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const row = await service.create(tenantActorOf(request), request.params.id, request.body);
      return reply.status(201).send(ok(noteView(row), 'Visit note written'));
    },
  );

  app.put(
    '/v1/visit-notes/:id',
    {
      config: { permission: 'visitNotes.write' },
      schema: {
        operationId: 'writeVisitNoteVersion',
        summary: 'Write a new version of a visit note',
        description:
          'The body is the whole new content (a field left out is empty in the new version). Earlier versions stay unchanged ' +
          "and readable under /versions. Only the appointment's doctor; not on a cancelled appointment.",
        params: NoteIdParams,
        body: NoteContentBody,
        response: { 200: Envelope(VisitNote), ...errorResponses(409) },
      },
    },
    async (request) => ok(noteView(await service.writeVersion(tenantActorOf(request), request.params.id, request.body)), 'New version written'),
  );

  app.get(
    '/v1/visit-notes/:id',
    {
      config: { permission: 'visitNotes.read' },
      schema: {
        operationId: 'getVisitNote',
        summary: 'A visit note (its current version)',
        description: READ_DOC,
        params: NoteIdParams,
        response: { 200: Envelope(VisitNote) },
      },
    },
    async (request) => ok(noteView(await service.get(tenantActorOf(request), request.params.id))),
  );

  app.get(
    '/v1/visit-notes/:id/versions',
    {
      config: { permission: 'visitNotes.read' },
      schema: {
        operationId: 'listVisitNoteVersions',
        summary: "A visit note's versions, oldest first (read-only history)",
        description: READ_DOC,
        params: NoteIdParams,
        querystring: ListQuery,
        response: { 200: ListEnvelope(VisitNoteVersion) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.versions(tenantActorOf(request), request.params.id, request.query);
      return page(items.map(versionView), nextCursor);
    },
  );

  app.get(
    '/v1/patients/:id/visit-notes',
    {
      config: { permission: 'visitNotes.read' },
      schema: {
        operationId: 'listPatientVisitNotes',
        summary: "A patient's visit notes (current versions), newest first",
        description: READ_DOC,
        params: IdParams,
        querystring: ListQuery,
        response: { 200: ListEnvelope(VisitNote) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.listForPatient(tenantActorOf(request), request.params.id, request.query);
      return page(items.map(noteView), nextCursor);
    },
  );
}
