import { Type, type Static } from 'typebox';
import { Email, IdParams, Instant, Name, Nullable, PageQuery, Phone, Uuid } from '../../http/schemas.ts';
import { SubdomainParam } from '../hospitals/hospitals.schemas.ts';

export const SlotMinutes = Type.Integer({ minimum: 5, maximum: 240, description: 'Length of one bookable slot in minutes' });
const Specialization = Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' });

export const CreateDoctorBody = Type.Object(
  {
    name: Name,
    email: Email,
    phone: Type.Optional(Phone),
    specialization: Type.Optional(Specialization),
    slotMinutes: Type.Optional({ ...SlotMinutes, default: 30 }),
  },
  {
    additionalProperties: false,
    examples: [{ name: 'Dr Ada Okafor', email: 'ada.okafor@clinic.example', phone: '+14155550123', specialization: 'Cardiology', slotMinutes: 30 }],
  },
);
export type CreateDoctorInput = Static<typeof CreateDoctorBody>;

export const UpdateDoctorBody = Type.Object(
  {
    name: Type.Optional(Name),
    email: Type.Optional(Email),
    phone: Type.Optional(Nullable(Phone)),
    specialization: Type.Optional(Nullable(Specialization)),
    slotMinutes: Type.Optional(SlotMinutes),
    active: Type.Optional(Type.Boolean({ description: 'false deactivates (as DELETE does); true reactivates, within the plan limit' })),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ specialization: 'Paediatrics', slotMinutes: 20 }] },
);
export type UpdateDoctorInput = Static<typeof UpdateDoctorBody>;

export const DoctorParams = IdParams;

export const ListDoctorsQuery = PageQuery({
  active: Type.Optional(Type.Boolean({ description: 'Only active (true) or only deactivated (false) doctors; both when omitted' })),
});
export type ListDoctorsInput = Static<typeof ListDoctorsQuery>;

export const PublicDoctorsParams = Type.Object({ subdomain: SubdomainParam }, { additionalProperties: false });
export const PublicDoctorsQuery = PageQuery();

export const Doctor = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    email: Type.String(),
    phone: Nullable(Type.String()),
    specialization: Nullable(Type.String()),
    slotMinutes: Type.Integer(),
    active: Type.Boolean(),
    deactivatedAt: Nullable(Instant),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { $id: 'Doctor' },
);

/** What the public pages show: no contact details. */
export const PublicDoctor = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    specialization: Nullable(Type.String()),
    slotMinutes: Type.Integer(),
  },
  { $id: 'PublicDoctor' },
);
