import { asc, eq } from 'drizzle-orm';
import { afterCursor, eqIf } from '../../infra/db/fragments.ts';
import { resources, resourceTimeOff } from '../../infra/db/schema/resources.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

export type ResourceRow = typeof resources.$inferSelect;
export type ResourceTimeOffRow = typeof resourceTimeOff.$inferSelect;

export async function insertResource(scope: TenantScope, values: { name: string; kind: string; active: boolean }): Promise<ResourceRow> {
  const [row] = await scope.insert(resources, { ...values, deactivatedAt: values.active ? null : new Date() }).returning();
  return row!;
}

export async function findResource(scope: TenantScope, id: string, opts: { forUpdate?: boolean } = {}): Promise<ResourceRow | null> {
  const query = scope.select(resources, eq(resources.id, id)).limit(1);
  const [row] = opts.forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

export async function updateResource(
  scope: TenantScope,
  id: string,
  changes: Partial<Pick<ResourceRow, 'name' | 'kind' | 'active' | 'deactivatedAt'>>,
): Promise<ResourceRow | null> {
  const [row] = await scope.update(resources, { ...changes, updatedAt: new Date() }, eq(resources.id, id)).returning();
  return row ?? null;
}

/** Keyset page by (name, id), the order assignment picks resources in. */
export async function listResources(
  scope: TenantScope,
  opts: { limit: number; after: CursorPosition | null; kind?: string; active?: boolean },
): Promise<ResourceRow[]> {
  return scope
    .select(resources, eqIf(resources.kind, opts.kind), eqIf(resources.active, opts.active), afterCursor(opts.after, [resources.name, resources.id], 'asc', 'text'))
    .orderBy(asc(resources.name), asc(resources.id))
    .limit(opts.limit + 1);
}

export async function insertResourceTimeOff(
  scope: TenantScope,
  values: { resourceId: string; startsAt: Date; endsAt: Date; reason: string | null; createdBy: string },
): Promise<ResourceTimeOffRow> {
  const [row] = await scope.insert(resourceTimeOff, values).returning();
  return row!;
}

export async function listResourceTimeOff(scope: TenantScope, resourceId: string, opts: { limit: number; after: CursorPosition | null }): Promise<ResourceTimeOffRow[]> {
  return scope
    .select(resourceTimeOff, eq(resourceTimeOff.resourceId, resourceId), afterCursor(opts.after, [resourceTimeOff.startsAt, resourceTimeOff.id], 'asc'))
    .orderBy(asc(resourceTimeOff.startsAt), asc(resourceTimeOff.id))
    .limit(opts.limit + 1);
}

export async function deleteResourceTimeOff(scope: TenantScope, resourceId: string, timeOffId: string): Promise<ResourceTimeOffRow | null> {
  const [row] = await scope.delete(resourceTimeOff, eq(resourceTimeOff.resourceId, resourceId), eq(resourceTimeOff.id, timeOffId)).returning();
  return row ?? null;
}
