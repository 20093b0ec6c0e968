import { Type, type Static } from 'typebox';
import { Email, IdParams, Instant, LanguageTag, Name, Nullable, PageQuery, Phone, Uuid } from '../../http/schemas.ts';
import { notificationChannels } from '../../infra/db/schema/patients.ts';

const DateOfBirth = Type.String({ format: 'date', maxLength: 10, pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD, not in the future' });
const CHANNEL_DOC = 'Where notices go: email (needs an email), sms (needs a phone) or none';
const Channel = Type.Enum([...notificationChannels], { description: CHANNEL_DOC });
const LANGUAGE_DOC = "The patient's language for emails and SMS (BCP 47, e.g. es-MX); null: the hospital's defaultLanguage";
const Language = { ...LanguageTag, description: LANGUAGE_DOC };

export const CreatePatientBody = Type.Object(
  {
    name: Name,
    email: Type.Optional(Email),
    phone: Type.Optional(Phone),
    dateOfBirth: Type.Optional(DateOfBirth),
    notificationChannel: Type.Optional({ ...Channel, description: `${CHANNEL_DOC}; default email if an email is given, else sms if a phone is, else none` }),
    language: Type.Optional(Nullable(Language)),
  },
  {
    additionalProperties: false,
    examples: [{ name: 'Maria Rossi', email: 'maria.rossi@mail.example', phone: '+393471234567', dateOfBirth: '1984-07-21', notificationChannel: 'email', language: 'es' }],
  },
);
export type CreatePatientInput = Static<typeof CreatePatientBody>;

export const UpdatePatientBody = Type.Object(
  {
    name: Type.Optional(Name),
    email: Type.Optional(Nullable(Email)),
    phone: Type.Optional(Nullable(Phone)),
    dateOfBirth: Type.Optional(Nullable(DateOfBirth)),
    notificationChannel: Type.Optional(Channel),
    language: Type.Optional(Nullable(Language)),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ phone: '+393471234568', notificationChannel: 'sms', language: 'de-AT' }] },
);
export type UpdatePatientInput = Static<typeof UpdatePatientBody>;

export const PatientParams = IdParams;

export const ListPatientsQuery = PageQuery({
  search: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Case-insensitive part of the name, email or phone' })),
});
export type ListPatientsInput = Static<typeof ListPatientsQuery>;

export const Patient = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    email: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    dateOfBirth: Nullable(Type.String({ format: 'date' })),
    notificationChannel: Channel,
    language: Nullable({ ...Type.String(), description: LANGUAGE_DOC }),
    erasedAt: Type.Union([Instant, Type.Null()], { description: 'When the patient was erased (POST /v1/patients/{id}/erase); null while they are not' }),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { $id: 'Patient' },
);
