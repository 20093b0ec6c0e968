import { eq } from 'drizzle-orm';
import type { Executor } from '../../infra/db/client.ts';
import { hospitals } from '../../infra/db/schema/hospitals.ts';

export type HospitalRow = typeof hospitals.$inferSelect;

export async function insertHospital(tx: Executor, values: typeof hospitals.$inferInsert): Promise<HospitalRow> {
  const [row] = await tx.insert(hospitals).values(values).returning();
  return row!;
}

export async function findHospital(tx: Executor, hospitalId: string): Promise<HospitalRow | null> {
  const [row] = await tx.select().from(hospitals).where(eq(hospitals.id, hospitalId)).limit(1);
  return row ?? null;
}

/** Public lookup by subdomain: the one hospital query that is not tenant-scoped (there is no tenant yet). */
export async function findHospitalBySubdomain(db: Executor, subdomain: string): Promise<HospitalRow | null> {
  const [row] = await db.select().from(hospitals).where(eq(hospitals.subdomain, subdomain)).limit(1);
  return row ?? null;
}

export async function updateHospital(
  tx: Executor,
  hospitalId: string,
  changes: Partial<typeof hospitals.$inferInsert>,
): Promise<HospitalRow | null> {
  const [row] = await tx
    .update(hospitals)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(hospitals.id, hospitalId))
    .returning();
  return row ?? null;
}
