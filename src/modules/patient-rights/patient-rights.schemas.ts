import { Type, type Static } from 'typebox';
import { NameOf } from '../../http/schemas.ts';
import { Patient } from '../patients/patients.schemas.ts';

export const EraseBody = Type.Object(
  { reason: { ...NameOf(500), description: 'Why the patient is erased (e.g. the request under GDPR art. 17 and its reference); kept in the audit log' } },
  { additionalProperties: false, examples: [{ reason: 'Erasure request of 2026-03-01, ticket 4711' }] },
);
export type EraseInput = Static<typeof EraseBody>;

export const PatientErasure = Type.Object(
  {
    patient: Patient,
    steps: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
      description: 'Rows each erasure step changed: identity, futureAppointmentsCancelled, pendingEventsDropped, messagesDropped, and those of later features',
    }),
  },
  { $id: 'PatientErasure' },
);
