import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { described, typedRoutes } from '../../http/route-defaults.ts';
import { EtagHeaders, ManifestQuery, NDJSON, NdjsonFile, PublishParams } from './publish.schemas.ts';
import { PUBLISHED_TYPES, type PublishService } from './publish.service.ts';

/** RFC 9110 If-None-Match: `*` or a comma list of (possibly weak) tags; weak comparison, as for GET. */
function matches(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

/** ETag on every answer; 304 with no body when the client's copy is current (a directory polling every minute costs a hash compare). */
function conditional(request: FastifyRequest, reply: FastifyReply, etag: string): boolean {
  reply.header('etag', etag).header('cache-control', 'no-cache');
  if (!matches(request, etag)) return false;
  void reply.code(304).send();
  return true;
}

const NOT_MODIFIED = { 304: described({ type: 'null', headers: EtagHeaders }, 'Not modified: the ETag sent in If-None-Match is still current (no body)') };

export async function publishRoutes(fastify: FastifyInstance, { service }: { service: PublishService }) {
  const app = typedRoutes(fastify, 'public');

  app.get(
    '/v1/public/hospitals/:subdomain/$bulk-publish',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'getBulkPublishManifest',
        summary: "SMART Scheduling Links manifest of the hospital's free slots: links to its Location, Schedule and Slot NDJSON files",
        params: PublishParams,
        querystring: ManifestQuery,
        response: { 200: { $ref: 'BulkPublishManifest', headers: EtagHeaders }, ...NOT_MODIFIED },
      },
    },
    async (request, reply) => {
      const { manifest, etag } = await service.manifest(request.params.subdomain, request.query._since ?? request.query.since);
      if (conditional(request, reply, etag)) return reply;
      return manifest;
    },
  );

  for (const type of PUBLISHED_TYPES) {
    app.get(
      `/v1/public/hospitals/:subdomain/$bulk-publish/${type}.ndjson`,
      {
        config: { auth: 'public' },
        schema: {
          operationId: `getBulkPublish${type}s`,
          summary:
            type === 'Slot'
              ? 'Free slots from now to the booking horizon, one FHIR Slot per line, each with its booking-deep-link to /book/:subdomain'
              : type === 'Schedule'
                ? 'One FHIR Schedule per active doctor, one per line'
                : 'The hospital as a FHIR Location (one line)',
          params: PublishParams,
          response: { 200: { content: { [NDJSON]: { schema: { $ref: 'FhirNdjson' } } }, headers: EtagHeaders }, ...NOT_MODIFIED },
        },
      },
      async (request, reply) => {
        const file = await service.file(request.params.subdomain, type);
        if (conditional(request, reply, file.etag)) return reply;
        return reply.type(NDJSON).send(file.body);
      },
    );
  }
}


