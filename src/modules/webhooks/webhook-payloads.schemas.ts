import { Type, type TSchema } from 'typebox';
import { Instant, Uuid } from '../../http/schemas.ts';
import { appointmentStatuses } from '../../infra/db/schema/appointments.ts';
import { TEST_WEBHOOK_EVENT, webhookEventTypes, type WebhookEventType } from './events.ts';

/**
 * The payloads Tempus POSTs to webhook endpoints, as named schemas for the
 * OpenAPI 3.1 `webhooks` section: ids, times, statuses and versions only.
 */

const Version = Type.Integer({ minimum: 1, description: 'The resource version after this change: discard an event whose version is not above the last one you applied' });

const AppointmentData = Type.Object(
  {
    id: Uuid,
    version: Version,
    status: Type.Enum([...appointmentStatuses]),
    doctorId: Uuid,
    patientId: Uuid,
    start: Instant,
    end: Instant,
  },
  // Closed: a field added to a payload must be added here first (and reviewed for what it reveals).
  { $id: 'AppointmentWebhookData', additionalProperties: false },
);
const PatientData = Type.Object({ id: Uuid, version: Version }, { $id: 'PatientWebhookData', additionalProperties: false, description: 'Ids only: read the patient through the API' });
const VisitNoteData = Type.Object(
  { id: Uuid, version: { ...Version, description: 'The signed version of the note' }, appointmentId: Uuid, patientId: Uuid, doctorId: Uuid },
  { $id: 'VisitNoteWebhookData', additionalProperties: false, description: 'Ids and the version only, never a word of the note' },
);
const WaitlistData = Type.Object(
  { id: Uuid, version: Version },
  { $id: 'WaitlistWebhookData', additionalProperties: true, description: 'The waitlist entry that was offered a slot (emitted once waitlists exist)' },
);
const TestData = Type.Object({ webhookId: Uuid, hospitalId: Uuid }, { $id: 'TestWebhookData', additionalProperties: false });

const dataOf: Record<WebhookEventType | typeof TEST_WEBHOOK_EVENT, TSchema> = {
  'appointment.booked': AppointmentData,
  'appointment.cancelled': AppointmentData,
  'appointment.rescheduled': AppointmentData,
  'appointment.completed': AppointmentData,
  'appointment.no_show': AppointmentData,
  'patient.created': PatientData,
  'patient.updated': PatientData,
  'visit_note.signed': VisitNoteData,
  'waitlist.offered': WaitlistData,
  [TEST_WEBHOOK_EVENT]: TestData,
};

const WHAT: Record<string, string> = {
  'appointment.booked': 'An appointment was booked',
  'appointment.cancelled': 'An appointment was cancelled',
  'appointment.rescheduled': 'An appointment was moved (start and end are the new times)',
  'appointment.completed': 'An appointment was marked completed',
  'appointment.no_show': 'The patient did not come',
  'patient.created': 'A patient was added',
  'patient.updated': 'A patient was changed',
  'visit_note.signed': 'A version of a visit note was signed (written)',
  'waitlist.offered': 'A waitlisted patient was offered a slot',
  [TEST_WEBHOOK_EVENT]: 'Sent by POST /v1/webhooks/{id}/test',
};

const pascal = (type: string) => type.replace(/(^|[._])([a-z])/g, (_m, _s, c: string) => c.toUpperCase());

/** `{type, timestamp, data}` of one event type, named e.g. `AppointmentBookedEvent`. */
const eventSchema = (type: string, data: TSchema) =>
  Type.Object(
    { type: Type.Literal(type), timestamp: { ...Instant, description: 'When the change happened' }, data: Type.Ref(String((data as { $id?: string }).$id)) },
    { $id: `${pascal(type)}Event`, additionalProperties: false },
  );

const eventTypes = [...webhookEventTypes, TEST_WEBHOOK_EVENT] as const;

/** Every named schema the `webhooks` section refers to (registered with app.addSchema). */
export const webhookPayloadSchemas: TSchema[] = [
  AppointmentData,
  PatientData,
  VisitNoteData,
  WaitlistData,
  TestData,
  ...eventTypes.map((type) => eventSchema(type, dataOf[type])),
];

const header = (name: string, description: string, example: string) => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type: 'string', maxLength: 2000 },
  example,
});

/** The OpenAPI 3.1 `webhooks` object: one POST per event type, as Tempus sends it. */
export function webhookDocuments(): Record<string, unknown> {
  return Object.fromEntries(
    eventTypes.map((type) => [
      type,
      {
        post: {
          operationId: `webhook${pascal(type)}`,
          summary: WHAT[type],
          description:
            'Standard Webhooks: verify `webhook-signature` (space-separated `v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per valid secret) with the endpoint secret, ' +
            'e.g. with the `standardwebhooks` library, and deduplicate by `webhook-id`. Answer 2xx within 10 s; 5xx, 408, 429 and timeouts are retried with backoff, other answers are final.',
          tags: ['webhooks'],
          security: [],
          parameters: [
            header('webhook-id', 'The message id: the same on every retry of this delivery', '1f0e8c1a-6b2d-4c3e-9f4a-5b6c7d8e9f00'),
            header('webhook-timestamp', 'Unix seconds when this attempt was signed', '1767225600'),
            header('webhook-signature', 'One or more `v1,<base64>` signatures, space separated', 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4='),
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${pascal(type)}Event` } } } },
          responses: {
            '200': { description: 'Received (any 2xx): the delivery is done' },
            '410': { description: 'Any other 4xx (and 3xx: redirects are not followed) makes the delivery dead at once' },
            '503': { description: '5xx, 408 and 429 are retried with exponential backoff and full jitter' },
          },
        },
      },
    ]),
  );
}
