import { asc, eq } from 'drizzle-orm';
import { afterCursor, eqIf } from '../../infra/db/fragments.ts';
import { doctors } from '../../infra/db/schema/doctors.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

export type DoctorRow = typeof doctors.$inferSelect;
type DoctorValues = Omit<typeof doctors.$inferInsert, 'id' | 'hospitalId'>;

export async function insertDoctor(scope: TenantScope, values: DoctorValues): Promise<DoctorRow> {
  const [row] = await scope.insert(doctors, values).returning();
  return row!;
}

export async function findDoctor(scope: TenantScope, doctorId: string, opts: { forUpdate?: boolean } = {}): Promise<DoctorRow | null> {
  const query = scope.select(doctors, eq(doctors.id, doctorId)).limit(1);
  const [row] = opts.forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

/** Keyset page ordered by (name, id); fetches limit + 1 rows so the caller can tell whether more follow. */
export async function listDoctors(
  scope: TenantScope,
  opts: { limit: number; after: CursorPosition | null; active?: boolean },
): Promise<DoctorRow[]> {
  return scope
    .select(
      doctors,
      eqIf(doctors.active, opts.active),
      afterCursor(opts.after, [doctors.name, doctors.id], 'asc', 'text'),
    )
    .orderBy(asc(doctors.name), asc(doctors.id))
    .limit(opts.limit + 1);
}

export async function updateDoctor(scope: TenantScope, doctorId: string, changes: Partial<DoctorValues>): Promise<DoctorRow | null> {
  const [row] = await scope.update(doctors, { ...changes, updatedAt: new Date() }, eq(doctors.id, doctorId)).returning();
  return row ?? null;
}
