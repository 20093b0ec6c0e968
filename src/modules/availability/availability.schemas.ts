import { Type, type Static } from 'typebox';

const LocalDate = (description: string) => Type.String({ format: 'date', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description });

export const AvailabilityQuery = Type.Object(
  {
    from: LocalDate('First local date (YYYY-MM-DD) in the hospital time zone'),
    to: LocalDate('Last local date (inclusive); at most 31 days from `from`'),
  },
  { additionalProperties: false },
);
export type AvailabilityInput = Static<typeof AvailabilityQuery>;

export const PublicAvailabilityParams = Type.Object(
  { subdomain: Type.String({ minLength: 1, maxLength: 63 }), id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

export const Availability = Type.Object({
  doctorId: Type.String({ format: 'uuid' }),
  timezone: Type.String(),
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  slotMinutes: Type.Integer(),
  slots: Type.Array(
    Type.Object({
      start: Type.String({ description: 'ISO 8601 with the hospital zone offset' }),
      end: Type.String(),
    }),
  ),
});
