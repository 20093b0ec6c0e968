import { Type, type Static } from 'typebox';
import { Email, Instant, IdParams, LanguageTag, Name, Nullable, Phone, Uuid } from '../../http/schemas.ts';
import { InstantInput } from '../appointments/appointments.schemas.ts';
import { SubdomainParam } from '../hospitals/hospitals.schemas.ts';

export const PublicHoldParams = Type.Object({ subdomain: SubdomainParam }, { additionalProperties: false });
export const HoldParams = IdParams;

export const CreateHoldBody = Type.Object(
  {
    doctorId: Type.Optional({ ...Uuid, description: 'Left out: any doctor offering visitTypeId who is free (first by id)' }),
    visitTypeId: Type.Optional({ ...Uuid, description: 'A visit type bookable online; required without doctorId' }),
    start: InstantInput,
  },
  { additionalProperties: false, examples: [{ visitTypeId: '7d1f0b4e-2c9a-4f4e-9a51-0c8a3b6d2e10', start: '2030-03-16T10:30:00+01:00' }] },
);
export type CreateHoldInput = Static<typeof CreateHoldBody>;

export const Hold = Type.Object(
  {
    id: Uuid,
    expiresAt: { ...Instant, description: 'Until when the slot is held (HOLD_MINUTES after it was taken)' },
    start: Instant,
    end: Instant,
    doctorId: Uuid,
    visitTypeId: Nullable(Uuid),
  },
  { $id: 'Hold', description: 'A slot held for a visitor: confirm it with a code before it expires' },
);

export const HoldContactBody = Type.Object(
  {
    name: Name,
    email: Type.Optional(Email),
    phone: Type.Optional(Phone),
    language: Type.Optional(LanguageTag),
  },
  { additionalProperties: false, description: 'An email or a phone (one of them): the code goes there', examples: [{ name: 'Ada Lovelace', email: 'ada@example.org', language: 'en' }] },
);
export type HoldContactInput = Static<typeof HoldContactBody>;

export const HoldCodeSent = Type.Object(
  {
    expiresInSeconds: Type.Integer(),
    channel: Type.Union([Type.Literal('email'), Type.Literal('sms')]),
  },
  { $id: 'HoldCodeSent' },
);

export const HoldConfirmBody = Type.Object(
  { code: Type.String({ pattern: '^[0-9]{6}$', maxLength: 6, description: 'The 6-digit code sent to the contact' }) },
  { additionalProperties: false, examples: [{ code: '123456' }] },
);

export const BookedAppointment = Type.Object(
  {
    id: Uuid,
    doctorId: Uuid,
    visitTypeId: Nullable(Uuid),
    start: Instant,
    end: Instant,
    status: Type.Literal('scheduled'),
  },
  { $id: 'BookedAppointment', description: 'The appointment as its patient sees it (nothing else about the patient)' },
);
