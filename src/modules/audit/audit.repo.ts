import type { Executor } from '../../infra/db/client.ts';
import { auditEvents } from '../../infra/db/schema/audit.ts';

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
