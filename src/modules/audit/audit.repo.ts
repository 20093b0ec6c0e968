import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../infra/db/client.ts';
import { auditEvents } from '../../infra/db/schema/audit.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

export interface Actor {
  userId: string;
  hospitalId: string | null;
  requestId: string;
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

/** Written in the same transaction as the change it describes. */
export async function recordAudit(tx: Executor, hospitalId: string | null, actor: Actor, entry: AuditEntry): Promise<void> {
  await tx.insert(auditEvents).values({
    hospitalId,
    actorUserId: actor.userId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId ?? null,
    requestId: actor.requestId,
    changes: entry.changes ?? null,
    metadata: entry.metadata ?? null,
  });
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
  tx: Executor,
  hospitalId: string,
  filter: AuditFilter,
  after: CursorPosition | null,
  limit: number,
): Promise<(AuditEventRow & { cursorKey: string })[]> {
  const where: SQL[] = [eq(auditEvents.hospitalId, hospitalId)];
  if (filter.action) where.push(eq(auditEvents.action, filter.action));
  if (filter.entityType) where.push(eq(auditEvents.entityType, filter.entityType));
  if (filter.entityId) where.push(eq(auditEvents.entityId, filter.entityId));
  if (filter.actorUserId) where.push(eq(auditEvents.actorUserId, filter.actorUserId));
  if (filter.from) where.push(gte(auditEvents.createdAt, filter.from));
  if (filter.to) where.push(lt(auditEvents.createdAt, filter.to));
  if (after) where.push(sql`(${auditEvents.createdAt}, ${auditEvents.id}) < (${after.key}::timestamptz, ${after.id}::uuid)`);
  return tx
    .select({
      id: auditEvents.id,
      hospitalId: auditEvents.hospitalId,
      actorUserId: auditEvents.actorUserId,
      action: auditEvents.action,
      entityType: auditEvents.entityType,
      entityId: auditEvents.entityId,
      requestId: auditEvents.requestId,
      changes: auditEvents.changes,
      metadata: auditEvents.metadata,
      createdAt: auditEvents.createdAt,
      cursorKey,
    })
    .from(auditEvents)
    .where(and(...where))
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(limit + 1);
}
