import { Type } from 'typebox';
import { Instant, Query } from '../../http/schemas.ts';
import { SubdomainParam } from '../hospitals/hospitals.schemas.ts';
import { PUBLISHED_TYPES } from './publish.service.ts';

export const NDJSON = 'application/fhir+ndjson';

export const PublishParams = Type.Object({ subdomain: SubdomainParam }, { additionalProperties: false });
export const PublishFileParams = Type.Object(
  { subdomain: SubdomainParam, type: Type.Enum([...PUBLISHED_TYPES], { description: 'Which file: Location, Schedule or Slot' }) },
  { additionalProperties: false },
);

const Since = Type.String({
  format: 'date-time',
  maxLength: 40,
  description: 'Only changes after this instant: at or after the last transactionTime the manifest lists no files (nothing changed)',
});
export const ManifestQuery = Query({ _since: Type.Optional(Since), since: Type.Optional({ ...Since, description: 'Alias of _since' }) });

export const BulkPublishManifest = Type.Object(
  {
    transactionTime: Instant,
    request: Type.String({ format: 'uri', description: 'The full URL of this manifest' }),
    output: Type.Array(
      Type.Object(
        { type: Type.Enum([...PUBLISHED_TYPES]), url: Type.String({ format: 'uri', description: 'An NDJSON file (application/fhir+ndjson), one FHIR resource per line' }) },
        { additionalProperties: false },
      ),
      { maxItems: PUBLISHED_TYPES.length },
    ),
    error: Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: 0 }),
  },
  {
    $id: 'BulkPublishManifest',
    additionalProperties: false,
    description: 'SMART Scheduling Links manifest (https://github.com/smart-on-fhir/smart-scheduling-links/blob/master/specification.md)',
    examples: [
      {
        transactionTime: '2030-03-01T08:00:00.000Z',
        request: 'https://api.example.com/v1/public/hospitals/springfield/$bulk-publish',
        output: [
          { type: 'Location', url: 'https://api.example.com/v1/public/hospitals/springfield/$bulk-publish/Location.ndjson' },
          { type: 'Schedule', url: 'https://api.example.com/v1/public/hospitals/springfield/$bulk-publish/Schedule.ndjson' },
          { type: 'Slot', url: 'https://api.example.com/v1/public/hospitals/springfield/$bulk-publish/Slot.ndjson' },
        ],
        error: [],
      },
    ],
  },
);

export const NdjsonFile = Type.String({
  $id: 'FhirNdjson',
  maxLength: 100_000_000,
  description: 'Newline-delimited FHIR JSON: one minified resource per line',
});

export const EtagHeaders = {
  ETag: { type: 'string', maxLength: 64, description: 'Validator of this answer: send it back as If-None-Match to get 304 while nothing changed' },
  'Cache-Control': { type: 'string', maxLength: 64, description: '`no-cache`: a cache may keep the answer but must revalidate it (If-None-Match) before use' },
};

export const IfNoneMatchHeaders = Type.Object(
  { 'if-none-match': Type.Optional(Type.String({ maxLength: 1024, description: 'The ETag of the copy the client holds (or a comma list of them)' })) },
  { additionalProperties: true },
);

/** The named schemas the publishing routes refer to (registered by the app). */
export const publishSchemas = [BulkPublishManifest, NdjsonFile];
