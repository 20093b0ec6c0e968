// The access-log module owns the accounting of disclosures: who saw which patient, when and why (written by every read that names a patient; read here).
import type { Db } from '../../infra/db/client.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { decodeTimeCursor, pageOf } from '../../shared/cursor.ts';
import { notFound } from '../../shared/errors.ts';
import { recordAudit } from '../audit/audit.repo.ts';
import { findPatient } from '../patients/patients.repo.ts';
import { listAccessEvents, recordAccess, type AccessActor, type AccessEventRow } from './access-log.repo.ts';
import type { AccessLogQueryInput } from './access-log.schemas.ts';

export function accessEventView(row: AccessEventRow) {
  const at = row.at.toISOString();
  return {
    id: row.id,
    patientId: row.patientId,
    actorUserId: row.actorUserId,
    actorRole: row.actorRole,
    purpose: row.purpose,
    requestId: row.requestId,
    at,
    createdAt: at,
    updatedAt: at,
  };
}

export function createAccessLogService({ db }: { db: Db }) {
  return {
    /**
     * Who saw the patient's record, newest first. Reading it is itself a
     * disclosure (an access event, so it shows on the next page read) and an
     * audit event, in the same transaction.
     */
    async list(actor: AccessActor & { hospitalId: string }, patientId: string, query: AccessLogQueryInput) {
      const after = decodeTimeCursor(query.cursor);
      return withTenant(db, actor, async (scope) => {
        if (!(await findPatient(scope, patientId))) throw notFound('Patient');
        const rows = await listAccessEvents(scope, patientId, after, query.limit);
        await recordAccess(scope, 'patient.access_log', [patientId]);
        await recordAudit(scope, { action: 'patient.access_log_read', entityType: 'patient', entityId: patientId });
        const { items, nextCursor } = pageOf(rows, query.limit, (row) => row.cursorKey);
        return { items: items.map(accessEventView), nextCursor };
      });
    },
  };
}

export type AccessLogService = ReturnType<typeof createAccessLogService>;
