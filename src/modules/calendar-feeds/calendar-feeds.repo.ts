import { sql } from 'drizzle-orm';
import { rawRows, type Executor } from '../../infra/db/client.ts';
import { instant } from '../../infra/db/fragments.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';

/** Stores the hash of a doctor's new feed token; the row (and with it the old token) is replaced. Returns whether one existed. */
export async function replaceFeedToken(scope: TenantScope, doctorId: string, tokenHash: string, userId: string): Promise<{ replaced: boolean }> {
  const [row] = await rawRows<{ replaced: boolean }>(
    scope.tx,
    sql`insert into calendar_feeds (hospital_id, doctor_id, token_hash, created_by)
        values (${scope.hospitalId}::uuid, ${doctorId}::uuid, ${tokenHash}, ${userId}::uuid)
        on conflict (hospital_id, doctor_id) do update
          set token_hash = excluded.token_hash, created_by = excluded.created_by, updated_at = now()
        returning (xmax <> 0) as replaced`,
  );
  return { replaced: row?.replaced ?? false };
}

/**
 * Whose feed a token opens. Platform-wide (the token is all the caller has,
 * not a hospital): the owner connection, by the unique hash.
 */
export async function findFeedByTokenHash(db: Executor, tokenHash: string): Promise<{ hospitalId: string; doctorId: string } | null> {
  const [row] = await rawRows<{ hospital_id: string; doctor_id: string }>(
    db,
    sql`select hospital_id, doctor_id from calendar_feeds where token_hash = ${tokenHash}`,
  );
  return row ? { hospitalId: row.hospital_id, doctorId: row.doctor_id } : null;
}

export interface FeedContext {
  doctorName: string;
  hospitalName: string;
  hospitalAddress: string | null;
  bookingHorizonDays: number;
}

export async function feedContext(scope: TenantScope, doctorId: string): Promise<FeedContext | null> {
  const [row] = await rawRows<{ doctor_name: string; hospital_name: string; address: string | null; booking_horizon_days: number }>(
    scope.tx,
    sql`select d.name as doctor_name, h.name as hospital_name, h.address, h.booking_horizon_days
          from doctors d join hospitals h on h.id = d.hospital_id
         where d.hospital_id = ${scope.hospitalId}::uuid and d.id = ${doctorId}::uuid`,
  );
  return row ? { doctorName: row.doctor_name, hospitalName: row.hospital_name, hospitalAddress: row.address, bookingHorizonDays: row.booking_horizon_days } : null;
}

export interface FeedAppointment {
  id: string;
  startsAt: Date;
  endsAt: Date;
  version: number;
  updatedAt: Date;
  patientName: string;
  /** The visit type's name; null when the appointment has none. */
  visitTypeName: string | null;
}

/** The doctor's appointments overlapping [from, to), cancelled ones left out, in start order. */
export async function feedAppointments(scope: TenantScope, doctorId: string, from: Date, to: Date): Promise<FeedAppointment[]> {
  const rows = await rawRows<{ id: string; starts_at: Date; ends_at: Date; version: number; updated_at: Date; patient_name: string; visit_type_name: string | null }>(
    scope.tx,
    // An appointment without a visit type is summarised as "Appointment".
    sql`select a.id, a.starts_at, a.ends_at, a.version, a.updated_at, p.name as patient_name, vt.name as visit_type_name
          from appointments a join patients p on p.hospital_id = a.hospital_id and p.id = a.patient_id
          left join visit_types vt on vt.hospital_id = a.hospital_id and vt.id = a.visit_type_id
         where a.hospital_id = ${scope.hospitalId}::uuid and a.doctor_id = ${doctorId}::uuid
           and a.status <> 'cancelled'
           and a.starts_at < ${instant(to)} and a.ends_at > ${instant(from)}
         order by a.starts_at, a.id`,
  );
  return rows.map((r) => ({
    id: r.id,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    version: r.version,
    updatedAt: r.updated_at,
    patientName: r.patient_name,
    visitTypeName: r.visit_type_name,
  }));
}
