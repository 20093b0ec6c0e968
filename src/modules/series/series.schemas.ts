import { Type, type Static } from 'typebox';
import { Instant as InstantOut, Nullable, Uuid } from '../../http/schemas.ts';
import { seriesFrequencies } from '../../infra/db/schema/appointment-series.ts';
import { Appointment, IdempotencyHeaders, InstantInput, MAX_DURATION_MINUTES, MIN_DURATION_MINUTES } from '../appointments/appointments.schemas.ts';
import { MAX_OCCURRENCES, MIN_OCCURRENCES } from './recurrence.ts';

const Instant = InstantInput;
const Frequency = Type.Enum([...seriesFrequencies], { description: seriesFrequencies.join(' | ') });
const OnConflict = Type.Enum(['fail', 'skip'], {
  description: 'fail (default): all or nothing, every conflict listed; skip: book the free occurrences and list the others',
});

export const RecurrenceBody = Type.Object(
  {
    frequency: Frequency,
    interval: Type.Optional(Type.Integer({ minimum: 1, maximum: 4, default: 1, description: 'Every 1–4 days or weeks' })),
    count: Type.Optional(
      Type.Integer({ minimum: MIN_OCCURRENCES, maximum: MAX_OCCURRENCES, description: `Number of occurrences (${MIN_OCCURRENCES}–${MAX_OCCURRENCES}); exactly one of count and until` }),
    ),
    until: Type.Optional(
      Type.String({
        minLength: 10,
        maxLength: 40,
        pattern: '^\\d{4}-\\d{2}-\\d{2}(T.+)?$',
        description:
          'The last start allowed: an ISO 8601 instant with offset, or a local date YYYY-MM-DD in the hospital time zone (that whole day). ' +
          `After start, and giving ${MIN_OCCURRENCES}–${MAX_OCCURRENCES} occurrences; exactly one of count and until`,
      }),
    ),
  },
  { additionalProperties: false, $id: 'SeriesRecurrence' },
);

export const CreateSeriesBody = Type.Object(
  {
    doctorId: Uuid,
    patientId: Uuid,
    start: { ...Instant, description: 'The first occurrence; every later one keeps its local wall-clock time in the hospital time zone' },
    durationMinutes: Type.Optional(
      Type.Integer({ minimum: MIN_DURATION_MINUTES, maximum: MAX_DURATION_MINUTES, description: "Minutes of each occurrence; defaults to the doctor's slotMinutes" }),
    ),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    visitTypeId: Type.Optional({
      ...Uuid,
      description: "A visit type the doctor offers: every occurrence takes its duration, buffers and resources (assigned per occurrence; leave durationMinutes out)",
    }),
    recurrence: RecurrenceBody,
    onConflict: Type.Optional({ ...OnConflict, default: 'fail' }),
  },
  {
    additionalProperties: false,
    examples: [
      {
        doctorId: '0b7e3a52-6f0e-4c7b-9a57-3f2d8e1c9a10',
        patientId: '5c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e',
        start: '2030-03-04T09:00:00+01:00',
        recurrence: { frequency: 'weekly', interval: 1, count: 10 },
        onConflict: 'fail',
        reason: 'Physiotherapy',
      },
    ],
  },
);
export type CreateSeriesInput = Static<typeof CreateSeriesBody>;

export const CancelSeriesBody = Type.Object(
  {
    from: Type.Optional({ ...Instant, description: 'Cancel the scheduled occurrences starting at or after this instant; default now (every future one)' }),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  },
  { additionalProperties: false, description: 'May be left out', examples: [{ from: '2030-04-01T00:00:00+02:00', reason: 'Treatment finished early' }] },
);
export type CancelSeriesInput = Static<typeof CancelSeriesBody>;

export const SeriesParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export { IdempotencyHeaders };

export const SkippedOccurrence = Type.Object(
  {
    start: InstantOut,
    code: Type.String({ description: 'The error code the occurrence met (SLOT_UNAVAILABLE, PATIENT_BUSY, OUTSIDE_SCHEDULE, PLAN_LIMIT_REACHED, ...)' }),
    reason: Type.String({ description: 'The same sentence a single booking would answer' }),
    details: Type.Optional(
      Type.Object(
        {
          kind: Type.Optional(Type.String({ description: 'RESOURCE_UNAVAILABLE: the resource kind none of is free' })),
          reason: Type.Optional(Type.String({ description: 'Why: e.g. OUTSIDE_SCHEDULE closure, SLOT_UNAVAILABLE overlap or buffer' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'SeriesSkippedOccurrence' },
);

export const AppointmentSeries = Type.Object(
  {
    id: Uuid,
    doctorId: Uuid,
    patientId: Uuid,
    start: InstantOut,
    durationMinutes: Type.Integer(),
    timezone: Type.String({ description: 'The hospital time zone whose wall-clock time the occurrences keep' }),
    recurrence: Type.Object({
      frequency: Frequency,
      interval: Type.Integer(),
      count: Nullable(Type.Integer()),
      until: Nullable(InstantOut),
    }),
    onConflict: OnConflict,
    reason: Nullable(Type.String()),
    visitTypeId: Nullable(Uuid),
    occurrences: Type.Array(Appointment, { description: 'The booked occurrences by start, each with its own status' }),
    skipped: Type.Array(SkippedOccurrence, { description: 'Occurrences onConflict: skip left out at booking, and why' }),
    createdAt: InstantOut,
    updatedAt: InstantOut,
  },
  { $id: 'AppointmentSeries' },
);
export type AppointmentSeriesView = Static<typeof AppointmentSeries>;
