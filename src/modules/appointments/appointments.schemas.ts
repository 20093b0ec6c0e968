import { Type, type Static } from 'typebox';
import { IdParams, Instant as InstantOut, Nullable, PageQuery, Uuid } from '../../http/schemas.ts';
import { appointmentStatuses, MAX_APPOINTMENT_MINUTES } from '../../infra/db/schema/appointments.ts';
import { IdempotencyKeyHeader } from '../idempotency/idempotency.ts';

export const MIN_DURATION_MINUTES = 5;
export const MAX_DURATION_MINUTES = MAX_APPOINTMENT_MINUTES;

/** An instant in a request body (the same rule as every other instant field). */
export const InstantInput = Type.String({
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
const Status = Type.Enum([...appointmentStatuses], { description: appointmentStatuses.join(' | ') });

export const CreateAppointmentBody = Type.Object(
  {
    doctorId: Uuid,
    patientId: Uuid,
    start: InstantInput,
    durationMinutes: Type.Optional(Duration),
    reason: Type.Optional(Reason),
    visitTypeId: Type.Optional({ ...Uuid, description: "A visit type the doctor offers: its duration and buffers apply (leave durationMinutes out), and its required resources are taken" }),
    resourceIds: Type.Optional(
      Type.Array(Uuid, {
        minItems: 1,
        maxItems: 10,
        uniqueItems: true,
        description: 'The resources to take, exactly the kinds the visit type requires; left out, Tempus takes the first free of each kind (by name, then id)',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        doctorId: '0b7e3a52-6f0e-4c7b-9a57-3f2d8e1c9a10',
        patientId: '5c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e',
        start: '2030-03-15T09:00:00+01:00',
        durationMinutes: 30,
        reason: 'Annual check-up',
      },
      {
        doctorId: '0b7e3a52-6f0e-4c7b-9a57-3f2d8e1c9a10',
        patientId: '5c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e',
        start: '2030-03-15T10:00:00+01:00',
        visitTypeId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      },
    ],
  },
);
export type CreateAppointmentInput = Static<typeof CreateAppointmentBody>;

export const RescheduleBody = Type.Object(
  { start: InstantInput, durationMinutes: Type.Optional(Duration) },
  { additionalProperties: false, examples: [{ start: '2030-03-16T10:30:00+01:00' }] },
);
export type RescheduleInput = Static<typeof RescheduleBody>;

export const CancelBody = Type.Object(
  { reason: Type.Optional(Reason) },
  { additionalProperties: false, description: 'May be left out', examples: [{ reason: 'The patient called to cancel' }] },
);
export type CancelInput = Static<typeof CancelBody>;

/** complete / no-show take no fields; an empty object (or no body) is accepted. */
export const EmptyBody = Type.Object({}, { additionalProperties: false, description: 'No fields: leave the body out or send `{}`', examples: [{}] });

export const AppointmentParams = IdParams;

export const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(IdempotencyKeyHeader) });

/** `from`/`to`: an instant, or a local date read in the hospital's time zone (`to` as a date includes that day). */
const BOUND_DOC = 'ISO 8601 instant with offset, or a local date YYYY-MM-DD in the hospital time zone';
const rangeBound = (description: string) =>
  Type.String({ minLength: 10, maxLength: 40, pattern: '^\\d{4}-\\d{2}-\\d{2}(T.+)?$', description: `${description} ${BOUND_DOC}` });

export const ListAppointmentsQuery = PageQuery({
  doctorId: Type.Optional(Uuid),
  patientId: Type.Optional(Uuid),
  from: Type.Optional(rangeBound('Appointments starting at or after this.')),
  to: Type.Optional(rangeBound('Appointments starting before this (a date includes that whole day).')),
  status: Type.Optional(Status),
});
export type ListAppointmentsInput = Static<typeof ListAppointmentsQuery>;

export const AppointmentResource = Type.Object(
  { id: Uuid, kind: Type.String(), name: Type.String() },
  { $id: 'AppointmentResource', description: 'A room or device the appointment holds (held, once cancelled)' },
);

export const Appointment = Type.Object(
  {
    id: Uuid,
    doctorId: Uuid,
    patientId: Uuid,
    start: InstantOut,
    end: InstantOut,
    durationMinutes: Type.Integer(),
    status: Status,
    reason: Nullable(Type.String()),
    cancelReason: Nullable(Type.String()),
    seriesId: Nullable(Uuid),
    visitTypeId: Nullable(Uuid),
    resources: Type.Array(AppointmentResource),
    createdAt: InstantOut,
    updatedAt: InstantOut,
  },
  { $id: 'Appointment' },
);
export type AppointmentView = Static<typeof Appointment>;
