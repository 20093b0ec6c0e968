import { and, asc, eq, getTableColumns, sql } from 'drizzle-orm';
import { rawRows, type Executor } from '../../infra/db/client.ts';
import { afterCursor, eqIf, microsecondKey } from '../../infra/db/fragments.ts';
import { waitlistEntries, waitlistOffers, type WaitlistOfferStatus, type WaitlistSource } from '../../infra/db/schema/waitlist.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { CursorPosition } from '../../shared/cursor.ts';
import { DomainError } from '../../shared/errors.ts';

export type WaitlistEntryRow = typeof waitlistEntries.$inferSelect;
export type WaitlistOfferRow = typeof waitlistOffers.$inferSelect;

/** Who waits for what: a missing doctor or visit type means "any" (and is compared as such). */
export interface EntryTarget {
  patientId: string;
  doctorId: string | null;
  visitTypeId: string | null;
  earliest: string;
  latest: string;
}

/**
 * The patient's active entry for the same doctor and visit type whose dates
 * overlap [earliest, latest]: at most one, by the exclusion constraint
 * waitlist_entries_one_active_per_scope (drizzle/0027).
 */
export async function activeEntryOverlapping(scope: TenantScope, target: EntryTarget): Promise<WaitlistEntryRow | null> {
  const [row] = await scope.select(
    waitlistEntries,
    eq(waitlistEntries.patientId, target.patientId),
    eq(waitlistEntries.status, 'active'),
    target.doctorId ? eq(waitlistEntries.doctorId, target.doctorId) : sql`${waitlistEntries.doctorId} is null`,
    target.visitTypeId ? eq(waitlistEntries.visitTypeId, target.visitTypeId) : sql`${waitlistEntries.visitTypeId} is null`,
    sql`daterange(${waitlistEntries.earliest}, ${waitlistEntries.latest}, '[]') && daterange(${target.earliest}::date, ${target.latest}::date, '[]')`,
  );
  return row ?? null;
}

/**
 * Adds the entry unless the patient already waits for the same doctor and
 * visit type over any of those days; then answers that entry, `created`
 * false. The exclusion constraint serialises concurrent joins: a second
 * insert waits for the first transaction and, once it commits, does
 * nothing (ON CONFLICT DO NOTHING takes exclusion constraints as arbiters);
 * the next statement (READ COMMITTED) sees the first one's row. Should that
 * entry be removed in between, the insert is simply tried again.
 */
export async function insertEntryOnce(
  scope: TenantScope,
  values: EntryTarget & { note: string | null; source: WaitlistSource; createdBy: string | null },
): Promise<{ row: WaitlistEntryRow; created: boolean }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const [row] = await scope.insert(waitlistEntries, values).onConflictDoNothing().returning();
    if (row) return { row, created: true };
    const existing = await activeEntryOverlapping(scope, values);
    if (existing) return { row: existing, created: false };
  }
  throw new DomainError('CONFLICT', 'The waitlist entry changed while joining; please try again');
}

export interface EntryFilter {
  patientId?: string;
  doctorId?: string;
  visitTypeId?: string;
  status?: WaitlistEntryRow['status'];
}

/** In order of joining (created_at, id), keyset-paginated to the microsecond. */
export async function listEntries(
  scope: TenantScope,
  filter: EntryFilter,
  after: CursorPosition | null,
  limit: number,
): Promise<(WaitlistEntryRow & { cursorKey: string })[]> {
  return scope.tx
    .select({ ...getTableColumns(waitlistEntries), cursorKey: microsecondKey(waitlistEntries.createdAt) })
    .from(waitlistEntries)
    .where(
      scope.where(
        waitlistEntries,
        eqIf(waitlistEntries.patientId, filter.patientId),
        eqIf(waitlistEntries.doctorId, filter.doctorId),
        eqIf(waitlistEntries.visitTypeId, filter.visitTypeId),
        eqIf(waitlistEntries.status, filter.status),
        afterCursor(after, [waitlistEntries.createdAt, waitlistEntries.id], 'asc'),
      ),
    )
    .orderBy(asc(waitlistEntries.createdAt), asc(waitlistEntries.id))
    .limit(limit + 1);
}

export async function findEntry(scope: TenantScope, id: string, opts: { lock?: boolean } = {}): Promise<WaitlistEntryRow | null> {
  const query = scope.select(waitlistEntries, eq(waitlistEntries.id, id));
  const [row] = opts.lock ? await query.for('update') : await query;
  return row ?? null;
}

export async function setEntryStatus(scope: TenantScope, id: string, status: WaitlistEntryRow['status']): Promise<WaitlistEntryRow | null> {
  const [row] = await scope.update(waitlistEntries, { status, updatedAt: sql`now()` }, eq(waitlistEntries.id, id)).returning();
  return row ?? null;
}

/** A freed slot as the engine sees it. */
export interface FreedSlot {
  doctorId: string;
  visitTypeId: string | null;
  start: Date;
  end: Date;
}

/**
 * The first active entry, in order of joining, that wants this slot: its
 * doctor (or any doctor) and its visit type (or any type) match, the slot's
 * local date lies in [earliest, latest], it has no pending offer, and it was
 * never offered this slot before. Locked FOR UPDATE SKIP LOCKED: a second
 * engine run for the same slot skips the entry the first is offering to
 * (and then loses the slot itself to the first one's hold).
 */
export async function lockNextEntry(scope: TenantScope, slot: FreedSlot, zone: string, skip: readonly string[]): Promise<WaitlistEntryRow | null> {
  const skipped = skip.length ? sql`and e.id not in (${sql.join(skip.map((id) => sql`${id}::uuid`), sql`, `)})` : sql``;
  const [row] = await rawRows<{ id: string }>(
    scope.tx,
    sql`select e.id from waitlist_entries e
         where e.hospital_id = ${scope.hospitalId}::uuid and e.status = 'active'
           and (e.doctor_id is null or e.doctor_id = ${slot.doctorId}::uuid)
           and (e.visit_type_id is null or e.visit_type_id = ${slot.visitTypeId}::uuid)
           and (${slot.start.toISOString()}::timestamptz at time zone ${zone})::date between e.earliest and e.latest
           and not exists (select 1 from waitlist_offers o
                            where o.hospital_id = e.hospital_id and o.entry_id = e.id
                              and (o.status = 'pending' or (o.doctor_id = ${slot.doctorId}::uuid and o.starts_at = ${slot.start.toISOString()}::timestamptz)))
           ${skipped}
         order by e.created_at, e.id
         limit 1
           for update of e skip locked`,
  );
  return row ? findEntry(scope, row.id) : null;
}

export async function insertOffer(
  scope: TenantScope,
  values: { id: string; entryId: string; holdAppointmentId: string; doctorId: string; visitTypeId: string | null; startsAt: Date; endsAt: Date; expiresAt: Date },
): Promise<WaitlistOfferRow> {
  const [row] = await scope.insert(waitlistOffers, values).returning();
  return row!;
}

export async function findOffer(scope: TenantScope, id: string, opts: { lock?: boolean } = {}): Promise<WaitlistOfferRow | null> {
  const query = scope.select(waitlistOffers, eq(waitlistOffers.id, id));
  const [row] = opts.lock ? await query.for('update') : await query;
  return row ?? null;
}

/** Moves a pending offer on; null when it was no longer pending (someone else settled it first). */
export async function settleOffer(
  scope: TenantScope,
  id: string,
  status: Exclude<WaitlistOfferStatus, 'pending'>,
  appointmentId: string | null = null,
): Promise<WaitlistOfferRow | null> {
  const [row] = await scope
    .update(waitlistOffers, { status, appointmentId, updatedAt: sql`now()` }, and(eq(waitlistOffers.id, id), eq(waitlistOffers.status, 'pending')))
    .returning();
  return row ?? null;
}

/** The pending offer of an entry, if any (removing the entry releases its hold). */
export async function pendingOfferOf(scope: TenantScope, entryId: string): Promise<WaitlistOfferRow | null> {
  const [row] = await scope.select(waitlistOffers, eq(waitlistOffers.entryId, entryId), eq(waitlistOffers.status, 'pending')).for('update');
  return row ?? null;
}

/**
 * Pending offers past their expiry, across hospitals, for the expiry task
 * (platform work, outside any tenant): locked SKIP LOCKED so two workers
 * take different ones.
 */
export async function dueOffers(tx: Executor, now: Date, limit: number): Promise<{ id: string; hospitalId: string }[]> {
  const rows = await rawRows<{ id: string; hospital_id: string }>(
    tx,
    sql`select id, hospital_id from waitlist_offers
         where status = 'pending' and expires_at <= ${now.toISOString()}::timestamptz
         order by expires_at limit ${limit}`,
  );
  return rows.map((r) => ({ id: r.id, hospitalId: r.hospital_id }));
}

/**
 * The patient's next scheduled appointment after the offered slot that the
 * offer could replace: the same visit type, or the same doctor when the
 * offer has no type. Locked: accepting moves it.
 */
export async function laterAppointmentOf(
  scope: TenantScope,
  patientId: string,
  offer: Pick<WaitlistOfferRow, 'startsAt' | 'doctorId' | 'visitTypeId'>,
): Promise<{ id: string } | null> {
  const same = offer.visitTypeId ? sql`a.visit_type_id = ${offer.visitTypeId}::uuid` : sql`a.doctor_id = ${offer.doctorId}::uuid and a.visit_type_id is null`;
  const [row] = await rawRows<{ id: string }>(
    scope.tx,
    sql`select a.id from appointments a
         where a.hospital_id = ${scope.hospitalId}::uuid and a.patient_id = ${patientId}::uuid
           and a.status = 'scheduled' and a.starts_at > ${offer.startsAt.toISOString()}::timestamptz and ${same}
         order by a.starts_at, a.id
         limit 1
           for update`,
  );
  return row ?? null;
}
