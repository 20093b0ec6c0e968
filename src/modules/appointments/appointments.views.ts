import type { AppointmentView } from './appointments.schemas.ts';
import type { AppointmentRecord } from './booking-core.ts';

const MINUTE_MS = 60_000;

export function appointmentView(row: AppointmentRecord): AppointmentView {
  return {
    id: row.id,
    doctorId: row.doctorId,
    patientId: row.patientId,
    start: row.startsAt.toISOString(),
    end: row.endsAt.toISOString(),
    durationMinutes: Math.round((row.endsAt.getTime() - row.startsAt.getTime()) / MINUTE_MS),
    status: row.status,
    reason: row.reason,
    cancelReason: row.cancelReason,
    seriesId: row.seriesId,
    visitTypeId: row.visitTypeId,
    resources: row.resources.map(({ id, kind, name }) => ({ id, kind, name })),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
