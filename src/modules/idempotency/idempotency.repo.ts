import { and, eq, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../infra/db/client.ts';
import { idempotencyKeys } from '../../infra/db/schema/idempotency.ts';

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

/**
 * Inserts the key unless it exists. When another open transaction has just
 * inserted the same key, PostgreSQL makes this statement wait on the primary
 * key until that transaction ends: on commit this inserts nothing (the caller
 * then reads the winner's row), on rollback it inserts.
 */
export async function insertKeyIfAbsent(tx: Executor, hospitalId: string, key: string, requestHash: string): Promise<boolean> {
  const rows = await tx
    .insert(idempotencyKeys)
    .values({ hospitalId, key, requestHash })
    .onConflictDoNothing({ target: [idempotencyKeys.hospitalId, idempotencyKeys.key] })
    .returning({ key: idempotencyKeys.key });
  return rows.length === 1;
}

export async function findKey(tx: Executor, hospitalId: string, key: string): Promise<IdempotencyRow | null> {
  const [row] = await tx
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.hospitalId, hospitalId), eq(idempotencyKeys.key, key)))
    .limit(1);
  return row ?? null;
}

/** Takes over a key whose record is older than `expiredBefore` (it counts as never used). */
export async function reclaimExpiredKey(
  tx: Executor,
  hospitalId: string,
  key: string,
  requestHash: string,
  expiredBefore: Date,
): Promise<boolean> {
  const rows = await tx
    .update(idempotencyKeys)
    .set({ requestHash, statusCode: null, responseBody: null, createdAt: sql`now()` })
    .where(and(eq(idempotencyKeys.hospitalId, hospitalId), eq(idempotencyKeys.key, key), lt(idempotencyKeys.createdAt, expiredBefore)))
    .returning({ key: idempotencyKeys.key });
  return rows.length === 1;
}

export async function saveResponse(tx: Executor, hospitalId: string, key: string, statusCode: number, body: unknown): Promise<void> {
  await tx
    .update(idempotencyKeys)
    .set({ statusCode, responseBody: body })
    .where(and(eq(idempotencyKeys.hospitalId, hospitalId), eq(idempotencyKeys.key, key)));
}

/** Platform housekeeping (all hospitals, outside any tenant): drops records past retention. */
export async function deleteKeysOlderThan(db: Executor, before: Date): Promise<number> {
  const rows = await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before)).returning({ key: idempotencyKeys.key });
  return rows.length;
}
