import { Type, type Static } from 'typebox';
import { appointmentStatuses } from '../../infra/db/schema/appointments.ts';
import { IdempotencyKeyHeader } from '../idempotency/idempotency.ts';

export const MIN_DURATION_MINUTES = 5;
export const MAX_DURATION_MINUTES = 480;

const Uuid = Type.String({ format: 'uuid' });
const Instant = Type.String({
  format: 'date-time',
  maxLength: 40,
  description: 'ISO 8601 instant with offset, e.g. 2027-03-15T09:00:00+01:00',
});
const Duration = Type.Integer({
  minimum: MIN_DURATION_MINUTES,
  maximum: MAX_DURATION_MINUTES,
  description: "Minutes; defaults to the doctor's slotMinutes when booking, to the current length when rescheduling",
});
const Reason = Type.String({ minLength: 1, maxLength: 1000 });
const Status = Type.Union(
  [Type.Literal('scheduled'), Type.Literal('completed'), Type.Literal('cancelled'), Type.Literal('no_show')],
  { description: appointmentStatuses.join(' | ') },
);

export const CreateAppointmentBody = Type.Object(
  {
    doctorId: Uuid,
    patientId: Uuid,
    start: Instant,
    durationMinutes: Type.Optional(Duration),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);
export type CreateAppointmentInput = Static<typeof CreateAppointmentBody>;

export const RescheduleBody = Type.Object(
  { start: Instant, durationMinutes: Type.Optional(Duration) },
  { additionalProperties: false },
);
export type RescheduleInput = Static<typeof RescheduleBody>;

export const CancelBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
export type CancelInput = Static<typeof CancelBody>;

/** complete / no-show take no fields; an empty object (or no body) is accepted. */
export const EmptyBody = Type.Object({}, { additionalProperties: false });

export const AppointmentParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(IdempotencyKeyHeader) });

/** `from`/`to`: an instant, or a local date read in the hospital's time zone (`to` as a date includes that day). */
const BOUND_DOC = 'ISO 8601 instant with offset, or a local date YYYY-MM-DD in the hospital time zone';
const rangeBound = (description: string) =>
  Type.String({ minLength: 10, maxLength: 40, pattern: '^\\d{4}-\\d{2}-\\d{2}(T.+)?$', description: `${description} ${BOUND_DOC}` });

export const ListAppointmentsQuery = Type.Object(
  {
    doctorId: Type.Optional(Uuid),
    patientId: Type.Optional(Uuid),
    from: Type.Optional(rangeBound('Appointments starting at or after this.')),
    to: Type.Optional(rangeBound('Appointments starting before this (a date includes that whole day).')),
    status: Type.Optional(Status),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'page.nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);
export type ListAppointmentsInput = Static<typeof ListAppointmentsQuery>;

export const Appointment = Type.Object({
  id: Uuid,
  doctorId: Uuid,
  patientId: Uuid,
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
  durationMinutes: Type.Integer(),
  status: Status,
  reason: Type.Union([Type.String(), Type.Null()]),
  cancelReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type AppointmentView = Static<typeof Appointment>;
