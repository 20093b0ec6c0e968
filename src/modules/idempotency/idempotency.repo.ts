import { eq, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../infra/db/client.ts';
import { idempotencyKeys } from '../../infra/db/schema/idempotency.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

/**
 * Inserts the key unless it exists. When another open transaction has just
 * inserted the same key, PostgreSQL makes this statement wait on the primary
 * key until that transaction ends: on commit this inserts nothing (the caller
 * then reads the winner's row), on rollback it inserts.
 */
export async function insertKeyIfAbsent(scope: TenantScope, key: string, requestHash: string): Promise<boolean> {
  const rows = await scope
    .insert(idempotencyKeys, { key, requestHash })
    .onConflictDoNothing({ target: [idempotencyKeys.hospitalId, idempotencyKeys.key] })
    .returning({ key: idempotencyKeys.key });
  return rows.length === 1;
}

export async function findKey(scope: TenantScope, key: string): Promise<IdempotencyRow | null> {
  const [row] = await scope.select(idempotencyKeys, eq(idempotencyKeys.key, key)).limit(1);
  return row ?? null;
}

/** Takes over a key whose record is older than `expiredBefore` (it counts as never used). */
export async function reclaimExpiredKey(scope: TenantScope, key: string, requestHash: string, expiredBefore: Date): Promise<boolean> {
  const rows = await scope
    .update(
      idempotencyKeys,
      { requestHash, statusCode: null, responseBody: null, createdAt: sql`now()` },
      eq(idempotencyKeys.key, key),
      lt(idempotencyKeys.createdAt, expiredBefore),
    )
    .returning({ key: idempotencyKeys.key });
  return rows.length === 1;
}

export async function saveResult(scope: TenantScope, key: string, status: number, view: unknown): Promise<void> {
  await scope.update(idempotencyKeys, { statusCode: status, responseBody: view }, eq(idempotencyKeys.key, key));
}

/** Platform housekeeping (all hospitals, outside any tenant): drops records past retention. */
export async function deleteKeysOlderThan(db: Executor, before: Date): Promise<number> {
  const rows = await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before)).returning({ key: idempotencyKeys.key });
  return rows.length;
}
