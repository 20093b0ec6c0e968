import type { WaitlistEntryRow } from './waitlist.repo.ts';
import type { WaitlistEntryView } from './waitlist.schemas.ts';

export function waitlistEntryView(row: WaitlistEntryRow): WaitlistEntryView {
  return {
    id: row.id,
    patientId: row.patientId,
    doctorId: row.doctorId,
    visitTypeId: row.visitTypeId,
    earliest: row.earliest,
    latest: row.latest,
    note: row.note,
    source: row.source,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
