import { Type, type Static, type TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import Value from 'typebox/value';
import { PermanentError } from '../../infra/queue/errors.ts';

/**
 * Message contracts of the notification queues (agreed across modules; see
 * docs/messaging.md). A payload that breaks its contract is a permanent
 * failure: retrying the same bytes cannot help, so it is dead-lettered with
 * the validation error as its reason.
 */

/** Every message template (email and SMS share the names); docs/messaging.md lists the data fields of each. */
export const emailTemplates = [
  'welcome',
  'otp',
  'invitation',
  'appointment_confirmation',
  'appointment_reminder',
  'appointment_cancelled',
  'appointment_rescheduled',
  'webhook_disabled',
  'series_confirmation',
  'series_cancelled',
  'waitlist_offer',
] as const;
export type EmailTemplate = (typeof emailTemplates)[number];

/** Template names as a schema (job payloads, the test event's recipients). */
export const TemplateName = Type.Union(emailTemplates.map((t) => Type.Literal(t)));

const Instant = Type.String({ format: 'date-time' });

/**
 * The reader's language (BCP 47, e.g. `es-MX`), in any template's data. Lenient on purpose: an
 * unknown or odd tag is written in English rather than dead-lettered (see i18n/index.ts).
 */
const Language = Type.Optional(Type.String({ maxLength: 64 }));
/** A patient's signed manage link (`${PUBLIC_BASE_URL}/manage/<token>`): the email and SMS say where to change or cancel. */
const ManageUrl = Type.Optional(Type.String({ minLength: 1, maxLength: 2048 }));

const AppointmentData = Type.Object({
  hospitalName: Type.String({ minLength: 1 }),
  start: Instant,
  end: Type.Optional(Instant),
  timezone: Type.Optional(Type.String({ minLength: 1 })),
  doctorName: Type.Optional(Type.String()),
  patientName: Type.Optional(Type.String()),
  location: Type.Optional(Type.String()),
  appointmentId: Type.Optional(Type.String()),
  /** The visit type booked, and the rooms and devices held (names, comma-separated). */
  visitTypeName: Type.Optional(Type.String()),
  rooms: Type.Optional(Type.String()),
  manageUrl: ManageUrl,
  language: Language,
});

/** A series' email lists its dates (one email for the series, not one per occurrence). */
const SeriesData = Type.Object({
  hospitalName: Type.String({ minLength: 1 }),
  occurrences: Type.Array(Type.Object({ start: Instant, end: Type.Optional(Instant), manageUrl: ManageUrl }), { minItems: 1, maxItems: 52 }),
  timezone: Type.Optional(Type.String({ minLength: 1 })),
  doctorName: Type.Optional(Type.String()),
  patientName: Type.Optional(Type.String()),
  location: Type.Optional(Type.String()),
  seriesId: Type.Optional(Type.String()),
  language: Language,
});

/** Template data, per template. Extra fields are allowed (and ignored). */
export const templateData = {
  welcome: Type.Object({ hospitalName: Type.String({ minLength: 1 }), subdomain: Type.Optional(Type.String()), language: Language }),
  otp: Type.Object({
    code: Type.String({ pattern: '^[0-9]{4,10}$' }),
    expiresInMinutes: Type.Optional(Type.Integer({ minimum: 1 })),
    hospitalName: Type.Optional(Type.String()),
    /** What the code authorises (an OtpPurpose such as `hospital.update`); the email says it in words. */
    purpose: Type.Optional(Type.String()),
    language: Language,
  }),
  invitation: Type.Object({
    hospitalName: Type.String({ minLength: 1 }),
    role: Type.String({ minLength: 1 }),
    acceptUrl: Type.Optional(Type.String()),
    token: Type.Optional(Type.String()),
    invitedBy: Type.Optional(Type.String()),
    expiresAt: Type.Optional(Instant),
    /** The hospital's zone, in which the expiry is written. */
    timezone: Type.Optional(Type.String({ minLength: 1 })),
    language: Language,
  }),
  appointment_confirmation: AppointmentData,
  appointment_reminder: AppointmentData,
  appointment_cancelled: Type.Intersect([AppointmentData, Type.Object({ cancelReason: Type.Optional(Type.String()) })]),
  appointment_rescheduled: Type.Intersect([AppointmentData, Type.Object({ previousStart: Type.Optional(Instant) })]),
  /** To a hospital's owners: an endpoint failed for WEBHOOK_DISABLE_AFTER_HOURS and was disabled. */
  webhook_disabled: Type.Object({
    hospitalName: Type.String({ minLength: 1 }),
    url: Type.String({ minLength: 1 }),
    endpointId: Type.String(),
    failingSince: Instant,
    disabledAt: Instant,
    language: Language,
  }),
  series_confirmation: SeriesData,
  series_cancelled: Type.Intersect([SeriesData, Type.Object({ cancelReason: Type.Optional(Type.String()) })]),
  /** A freed slot offered to a waitlisted patient: accept or decline at `offerUrl` before `expiresAt`. */
  waitlist_offer: Type.Object({
    hospitalName: Type.String({ minLength: 1 }),
    start: Instant,
    end: Type.Optional(Instant),
    timezone: Type.Optional(Type.String({ minLength: 1 })),
    doctorName: Type.Optional(Type.String()),
    visitTypeName: Type.Optional(Type.String()),
    patientName: Type.Optional(Type.String()),
    location: Type.Optional(Type.String()),
    offerUrl: Type.String({ minLength: 1, maxLength: 2048 }),
    expiresAt: Instant,
    language: Language,
  }),
} satisfies Record<EmailTemplate, TSchema>;

export type TemplateData<T extends EmailTemplate> = Static<(typeof templateData)[T]>;

const Attachment = Type.Object({
  filename: Type.String({ minLength: 1, maxLength: 200 }),
  content: Type.String(),
  contentType: Type.String({ minLength: 1 }),
});

/** Queue `email_notifications`, type `email`. */
export const EmailJob = Type.Object({
  template: TemplateName,
  to: Type.String({ format: 'email', maxLength: 254 }),
  data: Type.Record(Type.String(), Type.Unknown()),
  attachments: Type.Optional(Type.Array(Attachment, { maxItems: 5 })),
  /** The domain event this job was fanned out from. */
  sourceMessageId: Type.Optional(Type.String()),
  patientId: Type.Optional(Type.String()),
});
export type EmailJob = Static<typeof EmailJob>;

/** Queue `sms_notifications`, type `sms`. */
export const SmsJob = Type.Object({
  template: TemplateName,
  to: Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$' }),
  data: Type.Record(Type.String(), Type.Unknown()),
  sourceMessageId: Type.Optional(Type.String()),
  patientId: Type.Optional(Type.String()),
});
export type SmsJob = Static<typeof SmsJob>;

/** Contracts compiled once: every message is checked against one (twice for an email: job and template data). */
const compiled = new WeakMap<TSchema, Validator>();
const validatorOf = (schema: TSchema) => {
  let validator = compiled.get(schema);
  if (!validator) compiled.set(schema, (validator = Compile(schema) as unknown as Validator));
  return validator;
};

/** Checks a payload against its contract; the first problem becomes the dead-letter reason. */
export function parseContract<S extends TSchema>(schema: S, value: unknown, what: string): Static<S> {
  if (validatorOf(schema).Check(value)) return value as Static<S>;
  const [first] = Value.Errors(schema, value);
  const path = first?.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
  const required = (first?.params as { requiredProperties?: string[] } | undefined)?.requiredProperties;
  if (first?.keyword === 'required' && required?.length) {
    throw new PermanentError(`invalid ${what}: ${required.map((p) => (path ? `${path}.${p}` : p)).join(', ')} is required`);
  }
  throw new PermanentError(`invalid ${what}: ${path || 'payload'} ${first?.message ?? 'does not match the contract'}`);
}

export function parseTemplateData<T extends EmailTemplate>(template: T, data: unknown): TemplateData<T> {
  return parseContract(templateData[template], data, `${template} data`) as TemplateData<T>;
}
