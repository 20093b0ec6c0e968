import { Type, type Static } from 'typebox';
import { Email, Instant, LanguageTag, Name, Nullable, Phone, Uuid } from '../../http/schemas.ts';

export const RESERVED_SUBDOMAINS = new Set([
  'www', 'api', 'admin', 'app', 'apps', 'auth', 'login', 'dashboard', 'docs', 'help', 'support', 'status',
  'mail', 'email', 'smtp', 'ftp', 'static', 'assets', 'cdn', 'blog', 'dev', 'staging', 'test', 'tempus',
  'billing', 'public', 'internal', 'root', 'system', 'metrics', 'health',
]);

const Timezone = Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin' });
const Address = Type.String({ maxLength: 500 });
/** A hospital's subdomain in a path: its format is checked on registration, a path only has to fit. */
export const SubdomainParam = Type.String({ minLength: 1, maxLength: 63 });
const ReminderOffsets = Type.Array(Type.Integer({ minimum: 1, maximum: 10080 }), {
  maxItems: 5,
  uniqueItems: true,
  description: 'Minutes before an appointment at which reminders go out',
});

export const CreateHospitalBody = Type.Object(
  {
    name: Name,
    subdomain: Type.String({
      minLength: 3,
      maxLength: 63,
      pattern: '^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$',
      description: 'A DNS label: lowercase letters, digits and inner hyphens',
    }),
    email: Email,
    phone: Type.Optional(Phone),
    address: Type.Optional(Address),
    timezone: Timezone,
  },
  {
    additionalProperties: false,
    examples: [{ name: 'Riverside Clinic', subdomain: 'riverside', email: 'front-desk@riverside.example', phone: '+4930123456', address: '1 River Road, Berlin', timezone: 'Europe/Berlin' }],
  },
);
export type CreateHospitalInput = Static<typeof CreateHospitalBody>;

export const UpdateHospitalFields = {
  name: Type.Optional(CreateHospitalBody.properties.name),
  email: Type.Optional(Email),
  phone: Type.Optional(Nullable(Phone)),
  address: Type.Optional(Nullable(Address)),
  timezone: Type.Optional(Timezone),
};

export const UpdateHospitalBody = Type.Object(
  {
    otp: Type.Optional(
      Type.String({ pattern: '^[0-9]{6}$', maxLength: 6, description: 'The 6-digit code from POST /v1/hospitals/me/otp (emailed to the hospital)' }),
    ),
    ...UpdateHospitalFields,
  },
  { additionalProperties: false, examples: [{ otp: '492817', phone: '+4930123457', address: '2 River Road, Berlin' }] },
);
export type UpdateHospitalInput = Static<typeof UpdateHospitalBody>;

export const OtpRequested = Type.Object(
  {
    expiresInSeconds: Type.Integer(),
    sentTo: Type.String({ description: 'The hospital email the code went to, partly masked' }),
  },
  { $id: 'OtpRequested' },
);

export const Hospital = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    subdomain: Type.String(),
    email: Type.String(),
    phone: Nullable(Type.String()),
    address: Nullable(Type.String()),
    timezone: Type.String(),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { $id: 'Hospital' },
);

export const PublicHospital = Type.Object(
  {
    name: Type.String(),
    subdomain: Type.String(),
    phone: Nullable(Type.String()),
    address: Nullable(Type.String()),
    timezone: Type.String(),
  },
  { $id: 'PublicHospital' },
);

const SettingsFields = {
  bookingHorizonDays: Type.Integer({ minimum: 1, maximum: 730, description: 'How far ahead patients may book' }),
  minimumNoticeMinutes: Type.Integer({ minimum: 0, maximum: 10080, description: 'How soon before its start a slot stops being bookable' }),
  reminderOffsetsMinutes: ReminderOffsets,
  defaultLanguage: { ...LanguageTag, description: "Language of the emails and SMS of patients who have none of their own (BCP 47; default en)" },
  cancellationNoticeMinutes: Type.Integer({
    minimum: 0,
    maximum: 43200,
    description: 'Until how long before its start a patient may cancel or move a visit through its manage link (default 1440)',
  }),
  waitlistOfferMinutes: Type.Integer({ minimum: 5, maximum: 1440, description: 'How long a waitlist offer holds the freed slot for its patient' }),
};
export const Settings = Type.Object(SettingsFields, { $id: 'HospitalSettings' });
export type HospitalSettings = Static<typeof Settings>;

export const UpdateSettingsBody = Type.Object(
  {
    bookingHorizonDays: Type.Optional(SettingsFields.bookingHorizonDays),
    minimumNoticeMinutes: Type.Optional(SettingsFields.minimumNoticeMinutes),
    reminderOffsetsMinutes: Type.Optional(ReminderOffsets),
    defaultLanguage: Type.Optional(SettingsFields.defaultLanguage),
    cancellationNoticeMinutes: Type.Optional(SettingsFields.cancellationNoticeMinutes),
    waitlistOfferMinutes: Type.Optional(SettingsFields.waitlistOfferMinutes),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ minimumNoticeMinutes: 120, reminderOffsetsMinutes: [1440, 60], defaultLanguage: 'de' }] },
);
export type UpdateSettingsInput = Static<typeof UpdateSettingsBody>;

export const SubdomainParams = Type.Object({ subdomain: SubdomainParam }, { additionalProperties: false });
