import { asc, eq, getTableColumns, sql } from 'drizzle-orm';
import { afterCursor, microsecondKey } from '../../infra/db/fragments.ts';
import { rawRows, type Executor } from '../../infra/db/client.ts';
import { hospitalMembers, type MemberRole } from '../../infra/db/schema/members.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

/**
 * The caller's membership and operator flag in one round trip (the auth
 * hook's identity lookup, src/http/auth.ts). Runs outside a tenant
 * transaction on purpose: this is how the tenant is found.
 */
export async function findIdentity(
  db: Executor,
  userId: string,
): Promise<{ hospitalId: string | null; role: MemberRole | null; doctorId: string | null; isPlatformAdmin: boolean }> {
  const rows = await rawRows<{ hospital_id: string | null; role: MemberRole | null; doctor_id: string | null; is_admin: boolean }>(
    db,
    sql`select m.hospital_id, m.role, m.doctor_id,
               exists (select 1 from platform_admins pa where pa.user_id = ${userId}) as is_admin
          from (select 1) as one
          left join hospital_members m on m.user_id = ${userId}`,
  );
  const row = rows[0];
  return {
    hospitalId: row?.hospital_id ?? null,
    role: row?.role ?? null,
    doctorId: row?.doctor_id ?? null,
    isPlatformAdmin: row?.is_admin === true,
  };
}

// ---- members of one hospital (tenant rows) ----

export type MemberRow = typeof hospitalMembers.$inferSelect;

export async function insertMember(
  scope: TenantScope,
  member: { userId: string; email: string; role: MemberRole; doctorId?: string | null },
): Promise<MemberRow> {
  const [row] = await scope
    .insert(hospitalMembers, { userId: member.userId, email: member.email, role: member.role, doctorId: member.doctorId ?? null })
    .returning();
  return row!;
}

/** Oldest first (owners who registered lead), keyset-paginated on (created_at, id). */
export async function listMembers(scope: TenantScope, after: CursorPosition | null, limit: number): Promise<(MemberRow & { cursorKey: string })[]> {
  return scope.tx
    .select({ ...getTableColumns(hospitalMembers), cursorKey: microsecondKey(hospitalMembers.createdAt) })
    .from(hospitalMembers)
    .where(scope.where(hospitalMembers, afterCursor(after, [hospitalMembers.createdAt, hospitalMembers.id], 'asc')))
    .orderBy(asc(hospitalMembers.createdAt), asc(hospitalMembers.id))
    .limit(limit + 1);
}

/** The member with this user id, email (case-insensitive) or linked doctor. */
export async function findMember(scope: TenantScope, by: { userId: string } | { email: string } | { doctorId: string }): Promise<MemberRow | null> {
  const condition =
    'userId' in by
      ? eq(hospitalMembers.userId, by.userId)
      : 'email' in by
        ? sql`lower(${hospitalMembers.email}) = ${by.email.toLowerCase()}`
        : eq(hospitalMembers.doctorId, by.doctorId);
  const [row] = await scope.select(hospitalMembers, condition).limit(1);
  return row ?? null;
}

/**
 * Locks every owner row of the hospital (in id order, so two removals queue
 * instead of deadlocking) and returns them: "is this the last owner?" is then
 * answered under the lock, and two owners removing each other at once cannot
 * both succeed.
 */
export async function lockOwners(scope: TenantScope): Promise<MemberRow[]> {
  return scope.select(hospitalMembers, eq(hospitalMembers.role, 'owner')).orderBy(asc(hospitalMembers.id)).for('update');
}

export async function deleteMember(scope: TenantScope, memberId: string): Promise<boolean> {
  const rows = await scope.delete(hospitalMembers, eq(hospitalMembers.id, memberId)).returning({ id: hospitalMembers.id });
  return rows.length > 0;
}
