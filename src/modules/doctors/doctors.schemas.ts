import { Type, type Static } from 'typebox';
import { Name as PersonName } from '../../http/schemas/name.ts';

export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Phone = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164, e.g. +14155550123' });
export const Name = PersonName(200);
export const SlotMinutes = Type.Integer({ minimum: 5, maximum: 240, description: 'Length of one bookable slot in minutes' });
const Specialization = Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' });
export const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20 });
export const Cursor = Type.String({ minLength: 1, maxLength: 512, description: 'page.nextCursor of the previous page' });

export const CreateDoctorBody = Type.Object(
  {
    name: Name,
    email: Email,
    phone: Type.Optional(Phone),
    specialization: Type.Optional(Specialization),
    slotMinutes: Type.Optional({ ...SlotMinutes, default: 30 }),
  },
  { additionalProperties: false },
);
export type CreateDoctorInput = Static<typeof CreateDoctorBody>;

export const UpdateDoctorBody = Type.Object(
  {
    name: Type.Optional(Name),
    email: Type.Optional(Email),
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
    specialization: Type.Optional(Type.Union([Specialization, Type.Null()])),
    slotMinutes: Type.Optional(SlotMinutes),
    active: Type.Optional(Type.Boolean({ description: 'false deactivates (as DELETE does); true reactivates, within the plan limit' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateDoctorInput = Static<typeof UpdateDoctorBody>;

export const DoctorParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export const ListDoctorsQuery = Type.Object(
  {
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
    active: Type.Optional(Type.Boolean({ description: 'Only active (true) or only deactivated (false) doctors; both when omitted' })),
  },
  { additionalProperties: false },
);
export type ListDoctorsInput = Static<typeof ListDoctorsQuery>;

export const PublicDoctorsParams = Type.Object({ subdomain: Type.String({ minLength: 1, maxLength: 63 }) }, { additionalProperties: false });
export const PublicDoctorsQuery = Type.Object(
  { limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const Doctor = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  email: Type.String(),
  phone: Nullable(Type.String()),
  specialization: Nullable(Type.String()),
  slotMinutes: Type.Integer(),
  active: Type.Boolean(),
  deactivatedAt: Nullable(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

/** What the public pages show: no contact details. */
export const PublicDoctor = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  specialization: Nullable(Type.String()),
  slotMinutes: Type.Integer(),
});
