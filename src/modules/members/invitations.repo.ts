import { desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { afterCursor, microsecondKey } from '../../infra/db/fragments.ts';
import { rawRows, type Executor } from '../../infra/db/client.ts';
import { hospitalInvitations } from '../../infra/db/schema/invitations.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

export type InvitationRow = typeof hospitalInvitations.$inferSelect;

export async function insertInvitation(
  scope: TenantScope,
  values: Omit<typeof hospitalInvitations.$inferInsert, 'hospitalId'>,
): Promise<InvitationRow> {
  const [row] = await scope.insert(hospitalInvitations, values).returning();
  return row!;
}

/** Revokes the email's earlier pending invitations: re-inviting replaces, it does not pile up live tokens. */
export async function revokePendingFor(scope: TenantScope, email: string, now: Date): Promise<number> {
  const rows = await scope
    .update(
      hospitalInvitations,
      { revokedAt: now, updatedAt: now },
      eq(hospitalInvitations.email, email),
      isNull(hospitalInvitations.acceptedAt),
      isNull(hospitalInvitations.revokedAt),
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

export async function findInvitation(scope: TenantScope, id: string, { forUpdate = false }: { forUpdate?: boolean } = {}): Promise<InvitationRow | null> {
  const query = scope.select(hospitalInvitations, eq(hospitalInvitations.id, id)).limit(1);
  const [row] = forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

export async function updateInvitation(
  scope: TenantScope,
  id: string,
  changes: Partial<Pick<InvitationRow, 'acceptedAt' | 'acceptedByUserId' | 'revokedAt'>>,
): Promise<InvitationRow | null> {
  const [row] = await scope.update(hospitalInvitations, { ...changes, updatedAt: new Date() }, eq(hospitalInvitations.id, id)).returning();
  return row ?? null;
}

/** Newest first, keyset-paginated on (created_at, id). `pendingOnly`: not accepted, not revoked, not expired at `now`. */
export async function listInvitations(
  scope: TenantScope,
  { pendingOnly, now }: { pendingOnly: boolean; now: Date },
  after: CursorPosition | null,
  limit: number,
) {
  const pending = pendingOnly
    ? [isNull(hospitalInvitations.acceptedAt), isNull(hospitalInvitations.revokedAt), gt(hospitalInvitations.expiresAt, now)]
    : [];
  const rows = await scope.tx
    .select({ invitation: hospitalInvitations, cursorKey: microsecondKey(hospitalInvitations.createdAt) })
    .from(hospitalInvitations)
    .where(
      scope.where(
        hospitalInvitations,
        ...pending,
        afterCursor(after, [hospitalInvitations.createdAt, hospitalInvitations.id], 'desc'),
      ),
    )
    .orderBy(desc(hospitalInvitations.createdAt), desc(hospitalInvitations.id))
    .limit(limit + 1);
  return rows.map((r) => ({ ...r.invitation, cursorKey: r.cursorKey }));
}

/**
 * Platform housekeeping (all hospitals, as the owner role): deletes at most
 * `limit` invitations nobody accepted that expired or were revoked before
 * `before` (the invitee's email is all they hold). Accepted ones stay: they
 * record how a member joined.
 */
export async function deleteStaleInvitations(db: Executor, before: Date, limit: number): Promise<number> {
  const [row] = await rawRows<{ n: number }>(
    db,
    sql`with gone as (
          delete from hospital_invitations where id in (
            select id from hospital_invitations
             where accepted_at is null
               and (expires_at < ${before.toISOString()}::timestamptz or revoked_at < ${before.toISOString()}::timestamptz)
             limit ${limit})
          returning 1)
        select count(*)::int as n from gone`,
  );
  return row?.n ?? 0;
}
