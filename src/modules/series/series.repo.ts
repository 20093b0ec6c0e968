import { and, asc, eq, gte, sql } from 'drizzle-orm';
import { rawRows } from '../../infra/db/client.ts';
import { instant } from '../../infra/db/fragments.ts';
import { appointmentSeries, type SkippedOccurrence } from '../../infra/db/schema/appointment-series.ts';
import { appointments } from '../../infra/db/schema/appointments.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import { asAppointment, notHeld, type AppointmentRow } from '../appointments/appointments.repo.ts';
import { countedAppointments } from '../subscriptions/usage.ts';

export type SeriesRow = typeof appointmentSeries.$inferSelect;
export type NewSeries = Omit<typeof appointmentSeries.$inferInsert, 'hospitalId'>;

/**
 * What a series checks before it books anything, in one round trip: the
 * hospital's zone, whether the doctor, the patient and the visit type exist
 * (404 for the whole series, not once per occurrence), and the type's length. The doctor row is read FOR KEY SHARE
 * first, as every booking reads it (appointments.repo.ts loadBookingContext),
 * so the series takes its locks in the order single bookings do: doctor, then
 * the subscription row. Null when the hospital is not visible.
 */
export async function findSeriesParties(
  scope: TenantScope,
  ids: { doctorId: string; patientId: string; visitTypeId?: string },
): Promise<{ timezone: string; doctor: { slotMinutes: number } | null; patientFound: boolean; visitType: { durationMinutes: number } | null } | null> {
  const [row] = await rawRows<{
    timezone: string;
    doctor_id: string | null;
    slot_minutes: number | null;
    patient_found: boolean;
    vt_id: string | null;
    vt_duration: number | null;
  }>(
    scope.tx,
    sql`select h.timezone, d.id as doctor_id, d.slot_minutes,
               exists (select 1 from patients p where p.hospital_id = h.id and p.id = ${ids.patientId}::uuid) as patient_found,
               vt.id as vt_id, vt.duration_minutes as vt_duration
          from hospitals h
          left join lateral (select d.id, d.slot_minutes from doctors d where d.hospital_id = h.id and d.id = ${ids.doctorId}::uuid for key share) d on true
          left join visit_types vt on vt.hospital_id = h.id and vt.id = ${ids.visitTypeId ?? null}::uuid
         where h.id = ${scope.hospitalId}::uuid`,
  );
  if (!row) return null;
  return {
    timezone: row.timezone,
    doctor: row.doctor_id ? { slotMinutes: row.slot_minutes! } : null,
    patientFound: row.patient_found === true,
    visitType: row.vt_id ? { durationMinutes: row.vt_duration! } : null,
  };
}

export async function insertSeries(scope: TenantScope, values: NewSeries): Promise<SeriesRow> {
  const [row] = await scope.insert(appointmentSeries, values).returning();
  return row!;
}

export async function recordSkipped(scope: TenantScope, id: string, skipped: SkippedOccurrence[]): Promise<SeriesRow> {
  const [row] = await scope.update(appointmentSeries, { skipped, updatedAt: new Date() }, eq(appointmentSeries.id, id)).returning();
  return row!;
}

/** `lock`: FOR UPDATE while the series' occurrences are cancelled, so two cancels of one series run one after the other. */
export async function findSeries(scope: TenantScope, id: string, { lock }: { lock?: boolean } = {}): Promise<SeriesRow | null> {
  const query = scope.select(appointmentSeries, eq(appointmentSeries.id, id)).limit(1);
  const [row] = lock ? await query.for('update') : await query;
  return row ?? null;
}

/** Every occurrence of the series by start, whatever its status. */
export async function seriesOccurrences(scope: TenantScope, seriesId: string): Promise<AppointmentRow[]> {
  const rows = await scope.select(appointments, eq(appointments.seriesId, seriesId), notHeld()).orderBy(asc(appointments.startsAt), asc(appointments.id));
  return rows.map(asAppointment);
}

/** The live occurrences starting at or after `from`, locked for the cancel. */
export async function liveOccurrencesFrom(scope: TenantScope, seriesId: string, from: Date): Promise<AppointmentRow[]> {
  const rows = await scope
    .select(appointments, and(eq(appointments.seriesId, seriesId), eq(appointments.status, 'scheduled'), gte(appointments.startsAt, from)))
    .orderBy(asc(appointments.startsAt), asc(appointments.id))
    .for('update');
  return rows.map(asAppointment);
}

/**
 * What the plan counts in each hospital-local month apart from this series'
 * own occurrences (the "used" of a refusal's numbers), in one round trip;
 * read under the subscription lock the series holds.
 */
export async function monthUsageExcept(scope: TenantScope, seriesId: string, months: { from: Date; to: Date }[]): Promise<number[]> {
  if (months.length === 0) return [];
  const counts = months.map(
    (m, i) =>
      sql`${countedAppointments(sql`${scope.hospitalId}::uuid`, { from: instant(m.from), to: instant(m.to) })} - (select count(*)::int from appointments a
            where a.hospital_id = ${scope.hospitalId}::uuid and a.series_id = ${seriesId}::uuid and a.status <> 'cancelled'
              and a.starts_at >= ${instant(m.from)} and a.starts_at < ${instant(m.to)}) as ${sql.raw(`m${i}`)}`,
  );
  const [row] = await rawRows<Record<string, number>>(scope.tx, sql`select ${sql.join(counts, sql`, `)}`);
  return months.map((_, i) => row?.[`m${i}`] ?? 0);
}
