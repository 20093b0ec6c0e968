import { Type, type Static } from 'typebox';
import { Name } from '../../http/schemas/name.ts';

export const RESERVED_SUBDOMAINS = new Set([
  'www', 'api', 'admin', 'app', 'apps', 'auth', 'login', 'dashboard', 'docs', 'help', 'support', 'status',
  'mail', 'email', 'smtp', 'ftp', 'static', 'assets', 'cdn', 'blog', 'dev', 'staging', 'test', 'tempus',
  'billing', 'public', 'internal', 'root', 'system', 'metrics', 'health',
]);

const Email = Type.String({ format: 'email', maxLength: 254 });
const Phone = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164, e.g. +14155550123' });
const ReminderOffsets = Type.Array(Type.Integer({ minimum: 1, maximum: 10080 }), {
  maxItems: 5,
  uniqueItems: true,
  description: 'Minutes before an appointment at which reminders go out',
});

export const CreateHospitalBody = Type.Object(
  {
    name: Name(200),
    subdomain: Type.String({
      minLength: 3,
      maxLength: 63,
      pattern: '^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$',
      description: 'A DNS label: lowercase letters, digits and inner hyphens',
    }),
    email: Email,
    phone: Type.Optional(Phone),
    address: Type.Optional(Type.String({ maxLength: 500 })),
    timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin' }),
  },
  { additionalProperties: false },
);
export type CreateHospitalInput = Static<typeof CreateHospitalBody>;

export const UpdateHospitalFields = {
  name: Type.Optional(CreateHospitalBody.properties.name),
  email: Type.Optional(Email),
  phone: Type.Optional(Type.Union([Phone, Type.Null()])),
  address: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  timezone: Type.Optional(CreateHospitalBody.properties.timezone),
};

export const UpdateHospitalBody = Type.Object(
  {
    otp: Type.Optional(
      Type.String({ pattern: '^[0-9]{6}$', description: 'The 6-digit code from POST /v1/hospitals/me/otp (emailed to the hospital)' }),
    ),
    ...UpdateHospitalFields,
  },
  { additionalProperties: false },
);
export type UpdateHospitalInput = Static<typeof UpdateHospitalBody>;

export const OtpRequested = Type.Object({
  expiresInSeconds: Type.Integer(),
  sentTo: Type.String({ description: 'The hospital email the code went to, partly masked' }),
});

export const Hospital = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    subdomain: Type.String(),
    email: Type.String(),
    phone: Type.Union([Type.String(), Type.Null()]),
    address: Type.Union([Type.String(), Type.Null()]),
    timezone: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
);

export const PublicHospital = Type.Object(
  {
    name: Type.String(),
    subdomain: Type.String(),
    phone: Type.Union([Type.String(), Type.Null()]),
    address: Type.Union([Type.String(), Type.Null()]),
    timezone: Type.String(),
  },
);

export const Settings = Type.Object(
  {
    bookingHorizonDays: Type.Integer({ minimum: 1, maximum: 730 }),
    minimumNoticeMinutes: Type.Integer({ minimum: 0, maximum: 10080 }),
    reminderOffsetsMinutes: ReminderOffsets,
  },
);
export type HospitalSettings = Static<typeof Settings>;

export const UpdateSettingsBody = Type.Object(
  {
    bookingHorizonDays: Type.Optional(Settings.properties.bookingHorizonDays),
    minimumNoticeMinutes: Type.Optional(Settings.properties.minimumNoticeMinutes),
    reminderOffsetsMinutes: Type.Optional(ReminderOffsets),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateSettingsInput = Static<typeof UpdateSettingsBody>;

export const SubdomainParams = Type.Object({ subdomain: Type.String({ minLength: 1, maxLength: 63 }) }, { additionalProperties: false });
