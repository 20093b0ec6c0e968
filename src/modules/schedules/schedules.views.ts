import type { Static } from 'typebox';
import type { TimeOffRow } from './schedules.repo.ts';
import type { TimeOff } from './schedules.schemas.ts';

export function timeOffView(row: TimeOffRow): Static<typeof TimeOff> {
  return {
    id: row.id,
    doctorId: row.doctorId,
    start: row.startsAt.toISOString(),
    end: row.endsAt.toISOString(),
    reason: row.reason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
