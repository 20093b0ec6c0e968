import { and, desc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../infra/db/client.ts';
import { hospitalInvitations } from '../../infra/db/schema/invitations.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

export type InvitationRow = typeof hospitalInvitations.$inferSelect;

export async function insertInvitation(tx: Executor, values: typeof hospitalInvitations.$inferInsert): Promise<InvitationRow> {
  const [row] = await tx.insert(hospitalInvitations).values(values).returning();
  return row!;
}

/** Revokes the email's earlier pending invitations: re-inviting replaces, it does not pile up live tokens. */
export async function revokePendingFor(tx: Executor, hospitalId: string, email: string, now: Date): Promise<number> {
  const rows = await tx
    .update(hospitalInvitations)
    .set({ revokedAt: now, updatedAt: now })
    .where(
      and(
        eq(hospitalInvitations.hospitalId, hospitalId),
        eq(hospitalInvitations.email, email),
        isNull(hospitalInvitations.acceptedAt),
        isNull(hospitalInvitations.revokedAt),
      ),
    )
    .returning({ id: hospitalInvitations.id });
  return rows.length;
}

/**
 * Finds an invitation by its token hash across hospitals. The one invitation
 * query without a tenant: the person accepting has no hospital yet, the
 * token is what names it. Only the hospital id and row id are used from
 * here; the checks run again under the tenant, with the row locked.
 */
export async function findInvitationByTokenHash(db: Executor, tokenHash: string): Promise<{ id: string; hospitalId: string } | null> {
  const [row] = await db
    .select({ id: hospitalInvitations.id, hospitalId: hospitalInvitations.hospitalId })
    .from(hospitalInvitations)
    .where(eq(hospitalInvitations.tokenHash, tokenHash))
    .limit(1);
  return row ?? null;
}

export async function findInvitation(
  tx: Executor,
  hospitalId: string,
  id: string,
  { forUpdate = false }: { forUpdate?: boolean } = {},
): Promise<InvitationRow | null> {
  const query = tx
    .select()
    .from(hospitalInvitations)
    .where(and(eq(hospitalInvitations.hospitalId, hospitalId), eq(hospitalInvitations.id, id)))
    .limit(1);
  const [row] = forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

export async function updateInvitation(
  tx: Executor,
  hospitalId: string,
  id: string,
  changes: Partial<Pick<InvitationRow, 'acceptedAt' | 'acceptedByUserId' | 'revokedAt'>>,
): Promise<InvitationRow | null> {
  const [row] = await tx
    .update(hospitalInvitations)
    .set({ ...changes, updatedAt: new Date() })
    .where(and(eq(hospitalInvitations.hospitalId, hospitalId), eq(hospitalInvitations.id, id)))
    .returning();
  return row ?? null;
}

const invitationCursorKey = sql<string>`to_char(${hospitalInvitations.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Newest first, keyset-paginated on (created_at, id). `pendingOnly`: not accepted, not revoked, not expired at `now`. */
export async function listInvitations(
  tx: Executor,
  hospitalId: string,
  { pendingOnly, now }: { pendingOnly: boolean; now: Date },
  after: CursorPosition | null,
  limit: number,
) {
  const where: SQL[] = [eq(hospitalInvitations.hospitalId, hospitalId)];
  if (pendingOnly) {
    where.push(isNull(hospitalInvitations.acceptedAt), isNull(hospitalInvitations.revokedAt));
    where.push(sql`${hospitalInvitations.expiresAt} > ${now.toISOString()}::timestamptz`);
  }
  if (after) where.push(sql`(${hospitalInvitations.createdAt}, ${hospitalInvitations.id}) < (${after.key}::timestamptz, ${after.id}::uuid)`);
  const rows = await tx
    .select({ invitation: hospitalInvitations, cursorKey: invitationCursorKey })
    .from(hospitalInvitations)
    .where(and(...where))
    .orderBy(desc(hospitalInvitations.createdAt), desc(hospitalInvitations.id))
    .limit(limit + 1);
  return rows.map((r) => ({ ...r.invitation, cursorKey: r.cursorKey }));
}
