import { desc, eq, getTableColumns, gte, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../infra/db/client.ts';
import { auditEvents } from '../../infra/db/schema/audit.ts';
import type { ScopeActor, TenantScope } from '../../infra/db/tenant.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

/** The acting user as services see it (the HTTP layer builds it: src/http/actor.ts). */
export interface Actor extends ScopeActor {
  hospitalId: string | null;
}

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
  const list = Array.isArray(entries) ? entries : [entries];
  if (list.length === 0) return;
  await at.tx.insert(auditEvents).values(
    list.map((entry) => ({
      hospitalId: at.hospitalId,
      actorUserId: at.actor.userId,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId ?? null,
      requestId: at.actor.requestId,
      changes: entry.changes ?? null,
      metadata: entry.metadata ?? null,
    })),
  );
}

export interface AuditFilter {
  action?: string;
  entityType?: string;
  entityId?: string;
  actorUserId?: string;
  from?: Date;
  to?: Date;
}

/**
 * The cursor key keeps PostgreSQL's microseconds: a JavaScript Date would cut
 * them and skip or repeat events written within the same millisecond.
 */
const cursorKey = sql<string>`to_char(${auditEvents.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Newest first, keyset-paginated on (created_at, id); `limit + 1` rows tell whether a next page exists. */
export async function listAuditEvents(
  scope: TenantScope,
  filter: AuditFilter,
  after: CursorPosition | null,
  limit: number,
): Promise<(AuditEventRow & { cursorKey: string })[]> {
  return scope.tx
    .select({ ...getTableColumns(auditEvents), cursorKey })
    .from(auditEvents)
    .where(
      scope.where(
        auditEvents,
        filter.action ? eq(auditEvents.action, filter.action) : undefined,
        filter.entityType ? eq(auditEvents.entityType, filter.entityType) : undefined,
        filter.entityId ? eq(auditEvents.entityId, filter.entityId) : undefined,
        filter.actorUserId ? eq(auditEvents.actorUserId, filter.actorUserId) : undefined,
        filter.from ? gte(auditEvents.createdAt, filter.from) : undefined,
        filter.to ? lt(auditEvents.createdAt, filter.to) : undefined,
        after ? sql`(${auditEvents.createdAt}, ${auditEvents.id}) < (${after.key}::timestamptz, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(limit + 1);
}
