import { Type, type Static } from 'typebox';
import { IdParams, Instant, Nullable, PageQuery, Uuid } from '../../http/schemas.ts';
import { waitlistOfferStatuses, waitlistSources, waitlistStatuses } from '../../infra/db/schema/waitlist.ts';

const LocalDate = (description: string) => Type.String({ format: 'date', maxLength: 10, pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description });
const Note = Type.String({ minLength: 1, maxLength: 500 });

export const CreateWaitlistEntryBody = Type.Object(
  {
    patientId: Uuid,
    doctorId: Type.Optional({ ...Uuid, description: 'The doctor the patient waits for; at least one of doctorId and visitTypeId' }),
    visitTypeId: Type.Optional({ ...Uuid, description: 'The visit type the patient waits for (any doctor offering it, or doctorId only)' }),
    earliest: LocalDate('First local date (hospital zone) a slot may fall on'),
    latest: LocalDate('Last local date (inclusive) a slot may fall on'),
    note: Type.Optional(Note),
  },
  {
    additionalProperties: false,
    examples: [
      {
        patientId: '5c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e',
        doctorId: '0b7e3a52-6f0e-4c7b-9a57-3f2d8e1c9a10',
        earliest: '2030-03-01',
        latest: '2030-03-14',
        note: 'Prefers mornings',
      },
    ],
  },
);
export type CreateWaitlistEntryInput = Static<typeof CreateWaitlistEntryBody>;

export const ListWaitlistQuery = PageQuery({
  patientId: Type.Optional(Uuid),
  doctorId: Type.Optional(Uuid),
  visitTypeId: Type.Optional(Uuid),
  status: Type.Optional(Type.Enum([...waitlistStatuses], { description: `${waitlistStatuses.join(' | ')} (default: every status)` })),
});
export type ListWaitlistInput = Static<typeof ListWaitlistQuery>;

export const WaitlistEntryParams = IdParams;

export const WaitlistEntry = Type.Object(
  {
    id: Uuid,
    patientId: Uuid,
    doctorId: Nullable(Uuid),
    visitTypeId: Nullable(Uuid),
    earliest: Type.String({ format: 'date' }),
    latest: Type.String({ format: 'date' }),
    note: Nullable(Type.String()),
    source: Type.Enum([...waitlistSources]),
    status: Type.Enum([...waitlistStatuses], { description: waitlistStatuses.join(' | ') }),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { $id: 'WaitlistEntry' },
);
export type WaitlistEntryView = Static<typeof WaitlistEntry>;

/** A patient joining from a manage link: the dates default to today .. the day before their appointment. */
export const JoinWaitlistBody = Type.Object(
  {
    earliest: Type.Optional(LocalDate('First local date; default today')),
    latest: Type.Optional(LocalDate('Last local date (inclusive); default the day before the appointment')),
  },
  { additionalProperties: false, examples: [{ earliest: '2030-03-01', latest: '2030-03-14' }] },
);
export type JoinWaitlistInput = Static<typeof JoinWaitlistBody>;

export const OfferTokenParams = Type.Object(
  { token: Type.String({ minLength: 16, maxLength: 512, pattern: '^[A-Za-z0-9_.-]+$', description: 'The signed token of the offer link' }) },
  { additionalProperties: false },
);

/** What an offer link shows: the slot, nothing about the patient. */
export const PublicOffer = Type.Object(
  {
    status: Type.Enum([...waitlistOfferStatuses], { description: waitlistOfferStatuses.join(' | ') }),
    start: Instant,
    end: Instant,
    expiresAt: Instant,
    hospitalName: Type.String(),
    timezone: Type.String(),
    doctorName: Type.String(),
    visitTypeName: Nullable(Type.String()),
    /** After accepting: the appointment booked or moved (its manage link came by email or SMS). */
    appointmentId: Nullable(Uuid),
  },
  { $id: 'PublicWaitlistOffer' },
);
export type PublicOfferView = Static<typeof PublicOffer>;

export const EmptyBody = Type.Object({}, { additionalProperties: false });
