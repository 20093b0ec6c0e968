import { desc, getTableColumns, sql } from 'drizzle-orm';
import { rawRows, type Db } from '../../infra/db/client.ts';
import { afterCursor, microsecondKey } from '../../infra/db/fragments.ts';
import { accessEvents } from '../../infra/db/schema/access-events.ts';
import type { ScopeActor, TenantScope } from '../../infra/db/tenant.ts';
import type { CursorPosition } from '../../shared/cursor.ts';

export type AccessEventRow = typeof accessEvents.$inferSelect;

/** The reader as the access log records them: a signed-in user on one request, with their role when the caller knows it. */
export type AccessActor = ScopeActor & { role?: string | null };

/**
 * What a read was for, named after the route that made it. FHIR reads use
 * `fhir.<ResourceType>.read` / `fhir.<ResourceType>.search`.
 */
export type AccessPurpose =
  | 'patient.read'
  | 'patient.list'
  | 'patient.search'
  | 'patient.export'
  | 'patient.access_log'
  | 'appointment.read'
  | 'appointment.list'
  | 'visit_note.read'
  | 'visit_note.history'
  | 'visit_note.list'
  | 'deliveries.read'
  | `fhir.${string}`;

/**
 * Records that the scope's actor saw these patients, in the scope's
 * transaction: if this insert fails, the read fails with it, so no read that
 * named a patient can succeed unaccounted. Duplicates are folded (a page of
 * appointments of one patient is one row); however many patients, it is ONE
 * statement. A scope without an actor (background work) records nothing:
 * nobody looked.
 */
export async function recordAccess(scope: TenantScope, purpose: AccessPurpose, patientIds: Iterable<string>): Promise<void> {
  const actor = scope.actor as AccessActor | null;
  if (!actor) return;
  const ids = [...new Set(patientIds)];
  if (ids.length === 0) return;
  await scope.insert(
    accessEvents,
    ids.map((patientId) => ({
      patientId,
      actorUserId: actor.userId,
      actorRole: actor.role ?? null,
      purpose,
      requestId: actor.requestId,
    })),
  );
}

/** One patient's access log, newest first, keyset-paginated on (at, id); `limit + 1` rows. */
export async function listAccessEvents(
  scope: TenantScope,
  patientId: string,
  after: CursorPosition | null,
  limit: number,
): Promise<(AccessEventRow & { cursorKey: string })[]> {
  return scope.tx
    .select({ ...getTableColumns(accessEvents), cursorKey: microsecondKey(accessEvents.at) })
    .from(accessEvents)
    .where(scope.where(accessEvents, sql`${accessEvents.patientId} = ${patientId}`, afterCursor(after, [accessEvents.at, accessEvents.id], 'desc')))
    .orderBy(desc(accessEvents.at), desc(accessEvents.id))
    .limit(limit + 1);
}

/**
 * Platform housekeeping (all hospitals, as the owner role): deletes at most
 * `limit` access events older than `before`. The append-only trigger lets a
 * DELETE through only for rows older than the cutoff declared here, in the
 * same transaction — no other path can remove an access event.
 */
export async function purgeAccessEvents(db: Db, before: Date, limit: number): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('app.access_purge_before', ${before.toISOString()}, true)`);
    const [row] = await rawRows<{ n: number }>(
      tx,
      sql`with gone as (
            delete from access_events where id in (
              select id from access_events where at < ${before.toISOString()}::timestamptz order by at limit ${limit})
            returning 1)
          select count(*)::int as n from gone`,
    );
    return row?.n ?? 0;
  });
}
