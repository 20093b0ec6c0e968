import { desc, getTableColumns, gte, lt, type SQL } from 'drizzle-orm';
import { afterCursor, eqIf, microsecondKey } from '../../infra/db/fragments.ts';
import type { Executor } from '../../infra/db/client.ts';
import { auditEvents } from '../../infra/db/schema/audit.ts';
import type { ScopeActor, TenantScope } from '../../infra/db/tenant.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

/** The acting staff user as services see it (the HTTP layer builds it: src/http/actor.ts). */
export interface Actor extends ScopeActor {
  userId: string;
  kind?: 'user';
  hospitalId: string | null;
}

/** The patient acting on their own appointment through a self-service link: no user, the patient's id in the audit log. */
export interface PatientActor extends ScopeActor {
  kind: 'patient';
  userId: null;
  patientId: string;
  hospitalId: string;
}

export const patientActor = (hospitalId: string, patientId: string, requestId: string): PatientActor => ({
  kind: 'patient',
  userId: null,
  patientId,
  hospitalId,
  requestId,
});

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | null;
  /** Names of changed fields — never their values (clinical data stays out). */
  changes?: string[];
  metadata?: Record<string, unknown>;
}

export type AuditEventRow = typeof auditEvents.$inferSelect;

/**
 * Where an audit event is written: a tenant scope with its actor, or (platform
 * events: plans, dead letters) a plain transaction with the hospital it
 * concerns, if any.
 */
export interface AuditTarget {
  tx: Executor;
  hospitalId: string | null;
  actor: ScopeActor;
}

/** Written in the same transaction as the change it describes; several entries go in one statement. */
export async function recordAudit(at: AuditTarget | TenantScope<ScopeActor>, entries: AuditEntry | AuditEntry[]): Promise<void> {
  const statement = auditInsert(at, entries);
  if (statement) await at.tx.execute(statement);
}

/** The INSERT recordAudit runs, built but not run, for a caller that sends it with other statements (null: no entries). */
export function auditInsert(at: AuditTarget | TenantScope<ScopeActor>, entries: AuditEntry | AuditEntry[]): SQL | null {
  const list = Array.isArray(entries) ? entries : [entries];
  if (list.length === 0) return null;
  return at.tx
    .insert(auditEvents)
    .values(
      list.map((entry) => ({
        hospitalId: at.hospitalId,
        actorType: at.actor.kind ?? 'user',
        actorUserId: at.actor.userId,
        actorPatientId: at.actor.patientId ?? null,
        action: entry.action,
        entityType: entry.entityType,
        entityId: entry.entityId ?? null,
        requestId: at.actor.requestId,
        changes: entry.changes ?? null,
        metadata: entry.metadata ?? null,
      })),
    )
    .getSQL();
}

export interface AuditFilter {
  action?: string;
  entityType?: string;
  entityId?: string;
  actorUserId?: string;
  actorType?: 'user' | 'patient';
  actorPatientId?: string;
  from?: Date;
  to?: Date;
}

/** Newest first, keyset-paginated on (created_at, id); `limit + 1` rows tell whether a next page exists. */
export async function listAuditEvents(
  scope: TenantScope,
  filter: AuditFilter,
  after: CursorPosition | null,
  limit: number,
): Promise<(AuditEventRow & { cursorKey: string })[]> {
  return scope.tx
    .select({ ...getTableColumns(auditEvents), cursorKey: microsecondKey(auditEvents.createdAt) })
    .from(auditEvents)
    .where(
      scope.where(
        auditEvents,
        eqIf(auditEvents.action, filter.action),
        eqIf(auditEvents.entityType, filter.entityType),
        eqIf(auditEvents.entityId, filter.entityId),
        eqIf(auditEvents.actorUserId, filter.actorUserId),
        eqIf(auditEvents.actorType, filter.actorType),
        eqIf(auditEvents.actorPatientId, filter.actorPatientId),
        filter.from ? gte(auditEvents.createdAt, filter.from) : undefined,
        filter.to ? lt(auditEvents.createdAt, filter.to) : undefined,
        afterCursor(after, [auditEvents.createdAt, auditEvents.id], 'desc'),
      ),
    )
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(limit + 1);
}
