import { and, asc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import { rawRows, type Executor } from '../../infra/db/client.ts';
import { hospitalMembers, type MemberRole } from '../../infra/db/schema/members.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

export interface Identity {
  hospitalId: string | null;
  role: MemberRole | null;
  doctorId: string | null;
  isPlatformAdmin: boolean;
}

/**
 * The caller's membership and operator flag in one round trip. Runs outside a
 * tenant transaction on purpose: this is how the tenant is found.
 */
export async function findIdentity(db: Executor, userId: string): Promise<Identity> {
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

const memberCursorKey = sql<string>`to_char(${hospitalMembers.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Oldest first (owners who registered lead), keyset-paginated on (created_at, id). */
export async function listMembers(
  tx: Executor,
  hospitalId: string,
  after: CursorPosition | null,
  limit: number,
): Promise<(MemberRow & { cursorKey: string })[]> {
  const where: SQL[] = [eq(hospitalMembers.hospitalId, hospitalId)];
  if (after) where.push(sql`(${hospitalMembers.createdAt}, ${hospitalMembers.id}) > (${after.key}::timestamptz, ${after.id}::uuid)`);
  return tx
    .select({ ...getTableColumns(hospitalMembers), cursorKey: memberCursorKey })
    .from(hospitalMembers)
    .where(and(...where))
    .orderBy(asc(hospitalMembers.createdAt), asc(hospitalMembers.id))
    .limit(limit + 1);
}

export async function findMemberByUserId(tx: Executor, hospitalId: string, userId: string): Promise<MemberRow | null> {
  const [row] = await tx
    .select()
    .from(hospitalMembers)
    .where(and(eq(hospitalMembers.hospitalId, hospitalId), eq(hospitalMembers.userId, userId)))
    .limit(1);
  return row ?? null;
}

export async function findMemberByEmail(tx: Executor, hospitalId: string, email: string): Promise<MemberRow | null> {
  const [row] = await tx
    .select()
    .from(hospitalMembers)
    .where(and(eq(hospitalMembers.hospitalId, hospitalId), sql`lower(${hospitalMembers.email}) = ${email.toLowerCase()}`))
    .limit(1);
  return row ?? null;
}

export async function findMemberByDoctorId(tx: Executor, hospitalId: string, doctorId: string): Promise<MemberRow | null> {
  const [row] = await tx
    .select()
    .from(hospitalMembers)
    .where(and(eq(hospitalMembers.hospitalId, hospitalId), eq(hospitalMembers.doctorId, doctorId)))
    .limit(1);
  return row ?? null;
}

/**
 * Locks every owner row of the hospital (in id order, so two removals queue
 * instead of deadlocking) and returns them: "is this the last owner?" is then
 * answered under the lock, and two owners removing each other at once cannot
 * both succeed.
 */
export async function lockOwners(tx: Executor, hospitalId: string): Promise<MemberRow[]> {
  return tx
    .select()
    .from(hospitalMembers)
    .where(and(eq(hospitalMembers.hospitalId, hospitalId), eq(hospitalMembers.role, 'owner')))
    .orderBy(asc(hospitalMembers.id))
    .for('update');
}

export async function deleteMember(tx: Executor, hospitalId: string, memberId: string): Promise<boolean> {
  const rows = await tx
    .delete(hospitalMembers)
    .where(and(eq(hospitalMembers.hospitalId, hospitalId), eq(hospitalMembers.id, memberId)))
    .returning({ id: hospitalMembers.id });
  return rows.length > 0;
}
