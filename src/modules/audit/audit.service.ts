// The audit module owns the append-only log of who changed what (every module writes to it with recordAudit; this service reads it).
import type { Db } from '../../infra/db/client.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { decodeTimeCursor, pageOf } from '../../shared/cursor.ts';
import { validation } from '../../shared/errors.ts';
import { listAuditEvents, type AuditEventRow } from './audit.repo.ts';
import type { AuditQueryInput } from './audit.schemas.ts';

export function auditEventView(row: Pick<AuditEventRow, 'id' | 'action' | 'entityType' | 'entityId' | 'actorType' | 'actorUserId' | 'actorPatientId' | 'requestId' | 'changes' | 'metadata' | 'createdAt'>) {
  const createdAt = row.createdAt.toISOString();
  return {
    id: row.id,
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    actorType: row.actorType,
    actorUserId: row.actorUserId,
    actorPatientId: row.actorPatientId,
    requestId: row.requestId,
    changes: row.changes,
    metadata: row.metadata,
    createdAt,
    updatedAt: createdAt,
  };
}

export function createAuditService({ db }: { db: Db }) {
  return {
    async list(hospitalId: string, query: AuditQueryInput) {
      const from = query.from ? new Date(query.from) : undefined;
      const to = query.to ? new Date(query.to) : undefined;
      if (from && to && from >= to) {
        throw validation('"from" must be before "to"', { fields: [{ field: 'from', message: 'must be before to' }] });
      }
      const after = decodeTimeCursor(query.cursor);
      const rows = await withTenant(db, hospitalId, (scope) =>
        listAuditEvents(
          scope,
          { action: query.action, entityType: query.entityType, entityId: query.entityId, actorUserId: query.actorUserId, actorType: query.actorType, actorPatientId: query.actorPatientId, from, to },
          after,
          query.limit,
        ),
      );
      const { items, nextCursor } = pageOf(rows, query.limit, (row) => row.cursorKey);
      return { items: items.map(auditEventView), nextCursor };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
