import { Type, type Static } from 'typebox';
import { Nullable, Uuid } from '../../http/schemas.ts';
import { SubdomainParam } from '../hospitals/hospitals.schemas.ts';

const LocalDate = (description: string) =>
  Type.String({ format: 'date', maxLength: 10, pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description });

const range = {
  from: LocalDate('First local date (YYYY-MM-DD) in the hospital time zone'),
  to: LocalDate('Last local date (inclusive); at most 31 days from `from`'),
};

export const AvailabilityQuery = Type.Object(
  {
    ...range,
    visitTypeId: Type.Optional({
      ...Uuid,
      description: "Slots of this visit type (which the doctor offers): its length and buffers, and only where its required resources are free",
    }),
  },
  { additionalProperties: false },
);
export type AvailabilityInput = Static<typeof AvailabilityQuery>;

export const VisitTypeAvailabilityQuery = Type.Object(range, { additionalProperties: false });
export type VisitTypeAvailabilityInput = Static<typeof VisitTypeAvailabilityQuery>;

export const PublicAvailabilityParams = Type.Object({ subdomain: SubdomainParam, id: Uuid }, { additionalProperties: false });

export const Slot = Type.Object(
  {
    start: Type.String({ format: 'date-time', description: 'ISO 8601 with the hospital zone offset' }),
    end: Type.String({ format: 'date-time' }),
  },
  { $id: 'Slot' },
);

export const Availability = Type.Object(
  {
    doctorId: Uuid,
    timezone: Type.String(),
    from: Type.String({ format: 'date' }),
    to: Type.String({ format: 'date' }),
    slotMinutes: Type.Integer(),
    visitTypeId: Nullable(Uuid),
    slots: Type.Array(Slot),
  },
  { $id: 'Availability' },
);

export const DoctorSlot = Type.Object(
  {
    start: Type.String({ format: 'date-time', description: 'ISO 8601 with the hospital zone offset' }),
    end: Type.String({ format: 'date-time' }),
    doctorId: Uuid,
  },
  { $id: 'DoctorSlot' },
);

export const VisitTypeAvailability = Type.Object(
  {
    visitTypeId: Uuid,
    timezone: Type.String(),
    from: Type.String({ format: 'date' }),
    to: Type.String({ format: 'date' }),
    durationMinutes: Type.Integer(),
    slots: Type.Array(DoctorSlot, { description: 'By start, then doctor id: every active doctor offering the type, where the resources it needs are free' }),
  },
  { $id: 'VisitTypeAvailability' },
);
