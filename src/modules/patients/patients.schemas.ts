import { Type, type Static } from 'typebox';
import { notificationChannels } from '../../infra/db/schema/patients.ts';
import { Cursor, Email, Limit, Name, Phone } from '../doctors/doctors.schemas.ts';

const DateOfBirth = Type.String({ format: 'date', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD, not in the future' });
const CHANNEL_DOC = 'Where notices go: email (needs an email), sms (needs a phone) or none';
const Channel = Type.Enum([...notificationChannels], { description: CHANNEL_DOC });

export const CreatePatientBody = Type.Object(
  {
    name: Name,
    email: Type.Optional(Email),
    phone: Type.Optional(Phone),
    dateOfBirth: Type.Optional(DateOfBirth),
    notificationChannel: Type.Optional({ ...Channel, description: `${CHANNEL_DOC}; default email if an email is given, else sms if a phone is, else none` }),
  },
  { additionalProperties: false },
);
export type CreatePatientInput = Static<typeof CreatePatientBody>;

export const UpdatePatientBody = Type.Object(
  {
    name: Type.Optional(Name),
    email: Type.Optional(Type.Union([Email, Type.Null()])),
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
    dateOfBirth: Type.Optional(Type.Union([DateOfBirth, Type.Null()])),
    notificationChannel: Type.Optional(Channel),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdatePatientInput = Static<typeof UpdatePatientBody>;

export const PatientParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export const ListPatientsQuery = Type.Object(
  {
    search: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'Case-insensitive part of the name, email or phone' }),
    ),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type ListPatientsInput = Static<typeof ListPatientsQuery>;

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const Patient = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  email: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  dateOfBirth: Nullable(Type.String({ format: 'date' })),
  notificationChannel: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
