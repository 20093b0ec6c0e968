import { and, eq, sql } from 'drizzle-orm';
import { rawRows, type Db } from '../../infra/db/client.ts';
import { appointments } from '../../infra/db/schema/appointments.ts';
import { appointmentHolds, type HoldKind } from '../../infra/db/schema/holds.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';

/** A hold as stored: its slot (the held appointments row) and what it knows beyond it. */
export interface HoldRow {
  id: string;
  doctorId: string;
  visitTypeId: string | null;
  startsAt: Date;
  endsAt: Date;
  /** Null once converted (the row is then the patient's appointment). */
  expiresAt: Date | null;
  /** Held and not expired, by the transaction's clock (now(): the one every writer's sweep uses). */
  live: boolean;
  /** `held`, or the appointment's status once converted. */
  status: string;
  kind: HoldKind;
  contactName: string | null;
  contactEmail: string | null;
  contactPhone: string | null;
  language: string | null;
  verifiedAt: Date | null;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  reason: string | null;
  cancelReason: string | null;
  createdBy: string | null;
  version: number;
  seriesId: string | null;
  hospitalId: string;
  createdAt: Date;
  updatedAt: Date;
}

export async function insertHoldDetails(scope: TenantScope, appointmentId: string, kind: HoldKind): Promise<void> {
  await scope.insert(appointmentHolds, { appointmentId, kind });
}

/** The hold with its details (a converted one too: its details row stays, to tell a second confirm apart). `lock`: FOR UPDATE of both rows. */
export async function findHold(scope: TenantScope, id: string, { lock }: { lock?: boolean } = {}): Promise<HoldRow | null> {
  const query = scope.tx
    .select({
      id: appointments.id,
      hospitalId: appointments.hospitalId,
      doctorId: appointments.doctorId,
      visitTypeId: appointments.visitTypeId,
      startsAt: appointments.startsAt,
      endsAt: appointments.endsAt,
      expiresAt: appointments.holdExpiresAt,
      status: appointments.status,
      live: sql<boolean>`coalesce(${appointments.status} = 'held' and ${appointments.holdExpiresAt} > now(), false)`,
      bufferBeforeMinutes: appointments.bufferBeforeMinutes,
      bufferAfterMinutes: appointments.bufferAfterMinutes,
      reason: appointments.reason,
      cancelReason: appointments.cancelReason,
      createdBy: appointments.createdBy,
      version: appointments.version,
      seriesId: appointments.seriesId,
      createdAt: appointments.createdAt,
      updatedAt: appointments.updatedAt,
      kind: appointmentHolds.kind,
      contactName: appointmentHolds.contactName,
      contactEmail: appointmentHolds.contactEmail,
      contactPhone: appointmentHolds.contactPhone,
      language: appointmentHolds.language,
      verifiedAt: appointmentHolds.verifiedAt,
    })
    .from(appointments)
    .innerJoin(appointmentHolds, and(eq(appointmentHolds.hospitalId, appointments.hospitalId), eq(appointmentHolds.appointmentId, appointments.id)))
    .where(scope.where(appointments, eq(appointments.id, id)))
    .limit(1);
  const [row] = lock ? await query.for('update') : await query;
  return row ?? null;
}

/** Deletes a hold that is still held (its resource bookings and details go with it, cascade); false when there is none. */
export async function deleteHeld(scope: TenantScope, id: string): Promise<boolean> {
  const rows = await scope.delete(appointments, eq(appointments.id, id), eq(appointments.status, 'held')).returning({ id: appointments.id });
  return rows.length === 1;
}

/** A patient of the hospital (not erased) with this email (case-insensitive) or, without one, this phone; the oldest first. */
export async function findPatientByContact(scope: TenantScope, contact: { email: string | null; phone: string | null }): Promise<string | null> {
  const match = contact.email ? sql`lower(p.email) = ${contact.email.toLowerCase()}` : sql`p.phone = ${contact.phone}`;
  const rows = await rawRows<{ id: string }>(
    scope.tx,
    sql`select p.id from patients p where p.hospital_id = ${scope.hospitalId}::uuid and p.erased_at is null and ${match} order by p.created_at, p.id limit 1`,
  );
  return rows[0]?.id ?? null;
}

/** Whether the visit type is active and bookable online (the public pages offer no other). */
export async function isBookableOnline(scope: TenantScope, visitTypeId: string): Promise<boolean> {
  const rows = await rawRows<{ ok: boolean }>(
    scope.tx,
    sql`select vt.active and vt.bookable_online as ok from visit_types vt where vt.hospital_id = ${scope.hospitalId}::uuid and vt.id = ${visitTypeId}::uuid`,
  );
  return rows[0]?.ok === true;
}

/** The active doctors offering a visit type, in id order: who "any doctor" tries, first to last. */
export async function doctorsOffering(scope: TenantScope, visitTypeId: string): Promise<string[]> {
  const rows = await rawRows<{ id: string }>(
    scope.tx,
    sql`select d.id from visit_type_doctors vd join doctors d on d.hospital_id = vd.hospital_id and d.id = vd.doctor_id
         where vd.hospital_id = ${scope.hospitalId}::uuid and vd.visit_type_id = ${visitTypeId}::uuid and d.active
         order by d.id`,
  );
  return rows.map((r) => r.id);
}

/**
 * Retention: holds expired before `before`, of every hospital, deleted (at
 * most `limit`); their resource bookings and contact details go with them.
 * Writers delete the expired holds in their way anyway; this takes the rest.
 */
export async function purgeExpiredHolds(db: Db, before: Date, limit: number): Promise<number> {
  const [row] = await rawRows<{ n: number }>(
    db,
    sql`with gone as (
          delete from appointments where id in (
            select id from appointments where status = 'held' and hold_expires_at <= ${before.toISOString()}::timestamptz order by hold_expires_at limit ${limit})
            and status = 'held'
          returning 1)
        select count(*)::int as n from gone`,
  );
  return row?.n ?? 0;
}
