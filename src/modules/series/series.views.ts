import type { AppointmentRecord } from '../appointments/booking-core.ts';
import { appointmentView } from '../appointments/appointments.views.ts';
import type { SeriesRow } from './series.repo.ts';
import type { AppointmentSeriesView } from './series.schemas.ts';

export function seriesView(series: SeriesRow, occurrences: AppointmentRecord[]): AppointmentSeriesView {
  return {
    id: series.id,
    doctorId: series.doctorId,
    patientId: series.patientId,
    start: series.startsAt.toISOString(),
    durationMinutes: series.durationMinutes,
    timezone: series.timezone,
    recurrence: {
      frequency: series.frequency,
      interval: series.interval,
      count: series.count,
      until: series.until ? series.until.toISOString() : null,
    },
    onConflict: series.onConflict,
    reason: series.reason,
    visitTypeId: series.visitTypeId,
    occurrences: occurrences.map(appointmentView),
    skipped: series.skipped,
    createdAt: series.createdAt.toISOString(),
    updatedAt: series.updatedAt.toISOString(),
  };
}
