import { Type, type Static } from 'typebox';
import { Uuid } from '../../http/schemas.ts';
import { SubdomainParam } from '../hospitals/hospitals.schemas.ts';

const LocalDate = (description: string) =>
  Type.String({ format: 'date', maxLength: 10, pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description });

export const AvailabilityQuery = Type.Object(
  {
    from: LocalDate('First local date (YYYY-MM-DD) in the hospital time zone'),
    to: LocalDate('Last local date (inclusive); at most 31 days from `from`'),
  },
  { additionalProperties: false },
);
export type AvailabilityInput = Static<typeof AvailabilityQuery>;

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
    slots: Type.Array(Slot),
  },
  { $id: 'Availability' },
);
