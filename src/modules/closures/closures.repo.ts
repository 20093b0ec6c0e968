import { asc, eq, gt } from 'drizzle-orm';
import { afterCursor } from '../../infra/db/fragments.ts';
import { hospitalClosures } from '../../infra/db/schema/closures.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

export type ClosureRow = typeof hospitalClosures.$inferSelect;

export async function insertClosure(scope: TenantScope, values: { startsAt: Date; endsAt: Date; reason: string; createdBy: string }): Promise<ClosureRow> {
  const [row] = await scope.insert(hospitalClosures, values).returning();
  return row!;
}

/** Keyset page by (starts_at, id). */
export async function listClosures(scope: TenantScope, opts: { limit: number; after: CursorPosition | null; from?: Date }): Promise<ClosureRow[]> {
  return scope
    .select(
      hospitalClosures,
      opts.from ? gt(hospitalClosures.endsAt, opts.from) : undefined,
      afterCursor(opts.after, [hospitalClosures.startsAt, hospitalClosures.id], 'asc'),
    )
    .orderBy(asc(hospitalClosures.startsAt), asc(hospitalClosures.id))
    .limit(opts.limit + 1);
}

export async function deleteClosure(scope: TenantScope, id: string): Promise<ClosureRow | null> {
  const [row] = await scope.delete(hospitalClosures, eq(hospitalClosures.id, id)).returning();
  return row ?? null;
}
