import { Type, type Static } from 'typebox';
import { Instant, Nullable, Uuid } from '../../http/schemas.ts';
import { InstantInput } from '../appointments/appointments.schemas.ts';

/** Any string: a malformed token is just another unknown link (404), not a validation error that tells it apart. */
export const ManageParams = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 1024, description: 'The signed token of a manage link (`/manage/<token>`)' }) },
  { additionalProperties: false },
);

export const ManageCancelBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })) },
  { additionalProperties: false, description: 'May be left out', examples: [{ reason: 'I cannot come' }] },
);
export type ManageCancelInput = Static<typeof ManageCancelBody>;

export const ManageRescheduleBody = Type.Object(
  { start: InstantInput },
  { additionalProperties: false, description: 'A start from GET .../availability; the length stays as booked', examples: [{ start: '2030-03-16T10:30:00+01:00' }] },
);
export type ManageRescheduleInput = Static<typeof ManageRescheduleBody>;

/** The hospital as the manage page names it: who, where in time, and the number to call once it is too late to change online. */
export const ManagedAppointmentHospital = Type.Object(
  {
    name: Type.String(),
    subdomain: Type.String(),
    timezone: Type.String(),
    phone: Nullable(Type.String({ description: "The hospital's phone, to call when the visit can no longer be changed online (null when it has none)" })),
  },
  { $id: 'ManagedAppointmentHospital' },
);

/** The patient's own waitlist entry for an earlier time with this visit's doctor and visit type: its dates only. */
export const ManagedWaitlistEntry = Type.Object(
  {
    id: Uuid,
    earliest: Type.String({ format: 'date', description: 'First local date (hospital zone) an earlier time may fall on' }),
    latest: Type.String({ format: 'date', description: 'Last local date (inclusive)' }),
    createdAt: Instant,
  },
  { $id: 'ManagedWaitlistEntry' },
);

/** The appointment as its patient may see it through the link: nothing else about the patient. */
export const ManagedAppointment = Type.Object(
  {
    id: Uuid,
    status: Type.Union([Type.Literal('scheduled'), Type.Literal('completed'), Type.Literal('no_show'), Type.Literal('cancelled')]),
    start: Instant,
    end: Instant,
    hospital: ManagedAppointmentHospital,
    doctor: Type.Object({ id: Uuid, name: Type.String() }),
    visitType: Nullable(Type.Object({ id: Uuid, name: Type.String() })),
    resources: Type.Array(Type.String(), { description: 'Names of the rooms and devices it holds' }),
    changeableUntil: Type.String({
      format: 'date-time',
      description: "The last moment it may be cancelled or moved through this link (start minus the hospital's cancellationNoticeMinutes)",
    }),
    waitlist: Type.Union([ManagedWaitlistEntry, Type.Null()], {
      description:
        'While the patient already waits for an earlier time with the same doctor and visit type (an active entry overlapping today .. the day ' +
        'before the visit, the one POST .../waitlist would answer): that entry; null otherwise',
    }),
  },
  { $id: 'ManagedAppointment' },
);
export type ManagedAppointmentView = Static<typeof ManagedAppointment>;
