import { and, asc, eq, ilike, isNull, or, sql, type SQL } from 'drizzle-orm';
import { rawRows, type Executor } from '../../infra/db/client.ts';
import { afterCursor, escapeLike } from '../../infra/db/fragments.ts';
import { patients } from '../../infra/db/schema/patients.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

export type PatientRow = typeof patients.$inferSelect;
export type PatientValues = Omit<typeof patients.$inferInsert, 'id' | 'hospitalId' | 'createdAt' | 'updatedAt' | 'version'>;

export async function insertPatient(scope: TenantScope, values: PatientValues): Promise<PatientRow> {
  const [row] = await scope.insert(patients, values).returning();
  return row!;
}

export async function findPatient(scope: TenantScope, patientId: string, opts: { forUpdate?: boolean } = {}): Promise<PatientRow | null> {
  const query = scope.select(patients, eq(patients.id, patientId)).limit(1);
  const [row] = opts.forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

export async function updatePatient(scope: TenantScope, patientId: string, changes: Partial<PatientValues>): Promise<PatientRow | null> {
  // Every change bumps the version (webhook receivers order patient events by it).
  const [row] = await scope.update(patients, { ...changes, version: sql`${patients.version} + 1`, updatedAt: new Date() }, eq(patients.id, patientId)).returning();
  return row ?? null;
}

/**
 * `search` is a case-insensitive substring of the name, email or phone
 * (typed phone punctuation ignored). ILIKE '%…%' on each column is served by
 * its pg_trgm GIN index (patients_*_trgm_idx), so a search stays an index
 * lookup at 100k patients instead of a scan.
 */
function searchCondition(search: string): SQL | undefined {
  const text = search.trim();
  if (!text) return undefined;
  const pattern = `%${escapeLike(text)}%`;
  const digits = text.replace(/\D/g, '');
  const phonePattern = /^[+\d\s().-]+$/.test(text) && digits.length > 0 ? `%${digits}%` : pattern;
  // An erased patient is never a search result (their tombstone name would match "Erased").
  return and(isNull(patients.erasedAt), or(ilike(patients.name, pattern), ilike(patients.email, pattern), ilike(patients.phone, phonePattern)));
}

/** Keyset page ordered by (name, id); limit + 1 rows. */
export async function listPatients(scope: TenantScope, opts: { limit: number; after: CursorPosition | null; search?: string }): Promise<PatientRow[]> {
  return scope
    .select(
      patients,
      opts.search ? searchCondition(opts.search) : undefined,
      afterCursor(opts.after, [patients.name, patients.id], 'asc', 'text'),
    )
    .orderBy(asc(patients.name), asc(patients.id))
    .limit(opts.limit + 1);
}

/**
 * Platform read (outside any tenant, as the delivery consumers run): whether
 * the patient was erased. A message for an erased patient is dropped however
 * it was queued.
 */
export async function isPatientErased(db: Executor, patientId: string): Promise<boolean> {
  const [row] = await rawRows<{ erased: boolean }>(db, sql`select erased_at is not null as erased from patients where id = ${patientId}::uuid`);
  return row?.erased ?? false;
}
