import { Type, type Static } from 'typebox';
import { Instant, Nullable, PageQuery, Uuid } from '../../http/schemas.ts';
import { SlotMinutes } from '../doctors/doctors.schemas.ts';
import { DAY_NAMES } from './weekly.ts';

const Clock = (what: 'start' | 'end') =>
  Type.String({
    maxLength: 5,
    pattern: what === 'start' ? '^([01][0-9]|2[0-3]):[0-5][0-9]$' : '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$',
    description:
      what === 'start'
        ? 'Local wall-clock time HH:MM (00:00–23:59) in the hospital time zone'
        : 'Local wall-clock time HH:MM after start; 24:00 closes at the end of the day',
  });

export const WeeklyIntervalSchema = Type.Object(
  {
    day: Type.Enum([...DAY_NAMES], { description: 'Lowercase English day name' }),
    start: Clock('start'),
    end: Clock('end'),
  },
  { additionalProperties: false, $id: 'WeeklyInterval' },
);

export const BufferMinutes = Type.Integer({ minimum: 0, maximum: 240, description: 'Free minutes kept before and after each appointment' });

export const PutScheduleBody = Type.Object(
  {
    weekly: Type.Array(WeeklyIntervalSchema, {
      maxItems: 70,
      description: 'Working intervals; several per day allowed (breaks), none overlapping, none crossing local midnight',
    }),
    slotMinutes: Type.Optional(SlotMinutes),
    bufferMinutes: Type.Optional(BufferMinutes),
  },
  {
    additionalProperties: false,
    examples: [
      {
        weekly: [
          { day: 'monday', start: '09:00', end: '12:30' },
          { day: 'monday', start: '13:30', end: '17:00' },
          { day: 'wednesday', start: '09:00', end: '17:00' },
        ],
        slotMinutes: 30,
        bufferMinutes: 5,
      },
    ],
  },
);
export type PutScheduleInput = Static<typeof PutScheduleBody>;

export const Schedule = Type.Object(
  {
    doctorId: Uuid,
    timezone: Type.String(),
    slotMinutes: Type.Integer(),
    bufferMinutes: Type.Integer(),
    weekly: Type.Array(WeeklyIntervalSchema),
  },
  { $id: 'Schedule' },
);

const InstantString = Type.String({
  format: 'date-time',
  maxLength: 40,
  description: 'ISO 8601 instant with offset, e.g. 2027-03-14T09:00:00-04:00',
});

export const CreateTimeOffBody = Type.Object(
  {
    start: InstantString,
    end: InstantString,
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false, examples: [{ start: '2030-03-18T00:00:00+01:00', end: '2030-03-23T00:00:00+01:00', reason: 'Conference' }] },
);
export type CreateTimeOffInput = Static<typeof CreateTimeOffBody>;

export const ListTimeOffQuery = PageQuery({
  from: Type.Optional({ ...InstantString, description: 'Only time off ending after this instant' }),
  to: Type.Optional({ ...InstantString, description: 'Only time off starting before this instant' }),
});
export type ListTimeOffInput = Static<typeof ListTimeOffQuery>;

export const TimeOffParams = Type.Object({ id: Uuid, timeOffId: Uuid }, { additionalProperties: false });

export const TimeOff = Type.Object(
  {
    id: Uuid,
    doctorId: Uuid,
    start: Instant,
    end: Instant,
    reason: Nullable(Type.String()),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { $id: 'TimeOff' },
);

/** With a 201 for time off that covers booked appointments: they stay booked, and staff should act on them. */
export const TimeOffCreatedDetails = Type.Object(
  {
    overlappingTotal: Type.Integer({ minimum: 1, description: 'How many scheduled appointments of the doctor overlap the time off' }),
    overlappingAppointments: Type.Array(
      Type.Object({ id: Uuid, start: Instant, end: Instant, patientId: Uuid }),
      { maxItems: 100, description: 'The first 100 of them, by start' },
    ),
  },
  { $id: 'TimeOffOverlaps', description: 'Only when booked appointments fall inside the new time off; they are not cancelled' },
);
