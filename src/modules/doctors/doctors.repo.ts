import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../infra/db/client.ts';
import { doctors } from '../../infra/db/schema/doctors.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

export type DoctorRow = typeof doctors.$inferSelect;

export async function insertDoctor(tx: Executor, hospitalId: string, values: Omit<typeof doctors.$inferInsert, 'hospitalId'>): Promise<DoctorRow> {
  const [row] = await tx
    .insert(doctors)
    .values({ ...values, hospitalId })
    .returning();
  return row!;
}

export async function findDoctor(tx: Executor, hospitalId: string, doctorId: string, opts: { forUpdate?: boolean } = {}): Promise<DoctorRow | null> {
  const query = tx
    .select()
    .from(doctors)
    .where(and(eq(doctors.hospitalId, hospitalId), eq(doctors.id, doctorId)))
    .limit(1);
  const [row] = opts.forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

export async function countActiveDoctors(tx: Executor, hospitalId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(doctors)
    .where(and(eq(doctors.hospitalId, hospitalId), eq(doctors.active, true)));
  return row?.n ?? 0;
}

/** Keyset page ordered by (name, id); fetches limit + 1 rows so the caller can tell whether more follow. */
export async function listDoctors(
  tx: Executor,
  hospitalId: string,
  opts: { limit: number; after: CursorPosition | null; active?: boolean },
): Promise<DoctorRow[]> {
  return tx
    .select()
    .from(doctors)
    .where(
      and(
        eq(doctors.hospitalId, hospitalId),
        opts.active === undefined ? undefined : eq(doctors.active, opts.active),
        opts.after ? sql`(${doctors.name}, ${doctors.id}) > (${opts.after.key}, ${opts.after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(asc(doctors.name), asc(doctors.id))
    .limit(opts.limit + 1);
}

export async function updateDoctor(
  tx: Executor,
  hospitalId: string,
  doctorId: string,
  changes: Partial<Omit<typeof doctors.$inferInsert, 'id' | 'hospitalId'>>,
): Promise<DoctorRow | null> {
  const [row] = await tx
    .update(doctors)
    .set({ ...changes, updatedAt: new Date() })
    .where(and(eq(doctors.hospitalId, hospitalId), eq(doctors.id, doctorId)))
    .returning();
  return row ?? null;
}
