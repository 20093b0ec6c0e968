import { asc, eq, ilike, sql, type SQL } from 'drizzle-orm';
import { rawRows } from '../../infra/db/client.ts';
import { afterCursor, eqIf, escapeLike } from '../../infra/db/fragments.ts';
import { visitTypeDoctors, visitTypes } from '../../infra/db/schema/visit-types.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

type VisitTypeBase = typeof visitTypes.$inferSelect;
export type VisitTypeRow = VisitTypeBase & { doctorIds: string[] };
export type VisitTypeValues = Omit<typeof visitTypes.$inferInsert, 'id' | 'hospitalId' | 'createdAt' | 'updatedAt'>;

/** The type's doctors as a uuid array, ordered, for the row it is selected with. */
const doctorIdsOf = (scope: TenantScope) =>
  sql<string[]>`coalesce((select array_agg(vd.doctor_id order by vd.doctor_id) from visit_type_doctors vd
                           where vd.hospital_id = ${scope.hospitalId}::uuid and vd.visit_type_id = ${visitTypes.id}), '{}'::uuid[])`;

function selectWithDoctors(scope: TenantScope, ...conditions: (SQL | undefined)[]) {
  return scope.tx
    .select({ row: visitTypes, doctorIds: doctorIdsOf(scope) })
    .from(visitTypes)
    .where(scope.where(visitTypes, ...conditions));
}

const flatten = ({ row, doctorIds }: { row: VisitTypeBase; doctorIds: string[] }): VisitTypeRow => ({ ...row, doctorIds });

export async function insertVisitType(scope: TenantScope, values: VisitTypeValues): Promise<VisitTypeBase> {
  const [row] = await scope.insert(visitTypes, values).returning();
  return row!;
}

export async function updateVisitType(scope: TenantScope, id: string, changes: Partial<VisitTypeValues>): Promise<VisitTypeBase | null> {
  const [row] = await scope.update(visitTypes, { ...changes, updatedAt: new Date() }, eq(visitTypes.id, id)).returning();
  return row ?? null;
}

export async function replaceVisitTypeDoctors(scope: TenantScope, visitTypeId: string, doctorIds: string[]): Promise<void> {
  await scope.delete(visitTypeDoctors, eq(visitTypeDoctors.visitTypeId, visitTypeId));
  if (doctorIds.length) await scope.insert(visitTypeDoctors, doctorIds.map((doctorId) => ({ visitTypeId, doctorId })));
}

export async function findVisitType(scope: TenantScope, id: string, opts: { forUpdate?: boolean } = {}): Promise<VisitTypeRow | null> {
  const query = selectWithDoctors(scope, eq(visitTypes.id, id)).limit(1);
  const [found] = opts.forUpdate ? await query.for('update', { of: visitTypes }) : await query;
  return found ? flatten(found) : null;
}

/** Keyset page by (name, id); `doctorId` keeps the types that doctor offers; `online` only active, bookable-online ones; `nameContains` case-insensitive. */
export async function listVisitTypes(
  scope: TenantScope,
  opts: { limit: number; after: CursorPosition | null; doctorId?: string; active?: boolean; online?: boolean; nameContains?: string },
): Promise<VisitTypeRow[]> {
  const offeredBy = opts.doctorId
    ? sql`exists (select 1 from visit_type_doctors vd where vd.hospital_id = ${scope.hospitalId}::uuid and vd.visit_type_id = ${visitTypes.id} and vd.doctor_id = ${opts.doctorId}::uuid)`
    : undefined;
  const rows = await selectWithDoctors(
    scope,
    offeredBy,
    eqIf(visitTypes.active, opts.online ? true : opts.active),
    opts.online ? eq(visitTypes.bookableOnline, true) : undefined,
    opts.nameContains ? ilike(visitTypes.name, `%${escapeLike(opts.nameContains)}%`) : undefined,
    afterCursor(opts.after, [visitTypes.name, visitTypes.id], 'asc', 'text'),
  )
    .orderBy(asc(visitTypes.name), asc(visitTypes.id))
    .limit(opts.limit + 1);
  return rows.map(flatten);
}

/** Which of `ids` are doctors of this hospital, and whether each is active (one query). */
export async function doctorsAmong(scope: TenantScope, ids: string[]): Promise<{ id: string; active: boolean }[]> {
  if (ids.length === 0) return [];
  return rawRows<{ id: string; active: boolean }>(
    scope.tx,
    sql`select d.id, d.active from doctors d where d.hospital_id = ${scope.hospitalId}::uuid and d.id = any(${`{${ids.join(',')}}`}::uuid[])`,
  );
}
