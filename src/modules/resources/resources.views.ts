import type { Static } from 'typebox';
import type { ResourceRow, ResourceTimeOffRow } from './resources.repo.ts';
import type { Resource, ResourceTimeOff } from './resources.schemas.ts';

export function resourceView(row: ResourceRow): Static<typeof Resource> {
  return { id: row.id, name: row.name, kind: row.kind, active: row.active, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

export function resourceTimeOffView(row: ResourceTimeOffRow): Static<typeof ResourceTimeOff> {
  return {
    id: row.id,
    resourceId: row.resourceId,
    start: row.startsAt.toISOString(),
    end: row.endsAt.toISOString(),
    reason: row.reason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
