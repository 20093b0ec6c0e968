import type { Static } from 'typebox';
import type { VisitTypeRow } from './visit-types.repo.ts';
import type { PublicVisitType, VisitType } from './visit-types.schemas.ts';

export function visitTypeView(row: VisitTypeRow): Static<typeof VisitType> {
  return {
    id: row.id,
    name: row.name,
    durationMinutes: row.durationMinutes,
    bufferBeforeMinutes: row.bufferBeforeMinutes,
    bufferAfterMinutes: row.bufferAfterMinutes,
    doctorIds: row.doctorIds,
    requires: row.requires,
    bookableOnline: row.bookableOnline,
    color: row.color,
    active: row.active,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function publicVisitTypeView(row: VisitTypeRow): Static<typeof PublicVisitType> {
  return { id: row.id, name: row.name, durationMinutes: row.durationMinutes, color: row.color, doctorIds: row.doctorIds };
}
