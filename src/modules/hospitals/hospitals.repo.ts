import { eq } from 'drizzle-orm';
import type { Executor } from '../../infra/db/client.ts';
import { hospitals } from '../../infra/db/schema/hospitals.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';

export type HospitalRow = typeof hospitals.$inferSelect;

/** The scope's own hospital row: its id is the tenant id. */
export async function insertHospital(scope: TenantScope, values: Omit<typeof hospitals.$inferInsert, 'id'>): Promise<HospitalRow> {
  const [row] = await scope.tx
    .insert(hospitals)
    .values({ ...values, id: scope.hospitalId })
    .returning();
  return row!;
}

export async function findHospital(scope: TenantScope): Promise<HospitalRow | null> {
  const [row] = await scope.tx.select().from(hospitals).where(eq(hospitals.id, scope.hospitalId)).limit(1);
  return row ?? null;
}

/** Public lookup by subdomain: the one hospital query that is not tenant-scoped (there is no tenant yet). */
export async function findHospitalBySubdomain(db: Executor, subdomain: string): Promise<HospitalRow | null> {
  const [row] = await db.select().from(hospitals).where(eq(hospitals.subdomain, subdomain)).limit(1);
  return row ?? null;
}

export async function updateHospital(scope: TenantScope, changes: Partial<typeof hospitals.$inferInsert>): Promise<HospitalRow | null> {
  const [row] = await scope.tx
    .update(hospitals)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(hospitals.id, scope.hospitalId))
    .returning();
  return row ?? null;
}
