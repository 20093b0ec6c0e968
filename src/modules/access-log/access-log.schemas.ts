import { Type, type Static } from 'typebox';
import { Instant, Nullable, PageQuery, Uuid } from '../../http/schemas.ts';

export const AccessLogQuery = PageQuery();
export type AccessLogQueryInput = Static<typeof AccessLogQuery>;

export const AccessEvent = Type.Object(
  {
    id: Uuid,
    patientId: Uuid,
    actorUserId: Type.Union([Uuid, Type.Null()], { description: 'The member who saw the record' }),
    actorRole: Nullable(Type.String({ description: 'Their role at the time: owner, admin, staff or doctor' })),
    purpose: Type.String({ description: 'What the read was, e.g. patient.read, patient.list, appointment.list, visit_note.read, deliveries.read' }),
    requestId: Nullable(Type.String()),
    at: Instant,
    createdAt: Instant,
    updatedAt: Type.String({ format: 'date-time', description: 'Access events are immutable: always equal to createdAt' }),
  },
  {
    $id: 'AccessEvent',
    examples: [
      {
        id: '0b9c6a5e-8f7e-4a53-9a43-0f3c2a1d5e61',
        patientId: '5f0c3a8e-2b1d-4c6f-9e7a-1d2c3b4a5f60',
        actorUserId: '7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6',
        actorRole: 'staff',
        purpose: 'patient.read',
        requestId: 'req-1',
        at: '2026-03-02T09:15:00.000Z',
        createdAt: '2026-03-02T09:15:00.000Z',
        updatedAt: '2026-03-02T09:15:00.000Z',
      },
    ],
  },
);
