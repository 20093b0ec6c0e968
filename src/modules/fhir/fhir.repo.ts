import { and, asc, count, eq, gte, inArray, lt, or, sql } from 'drizzle-orm';
import { appointments } from '../../infra/db/schema/appointments.ts';
import { doctors } from '../../infra/db/schema/doctors.ts';
import { patients } from '../../infra/db/schema/patients.ts';
import { visitTypeDoctors, visitTypes } from '../../infra/db/schema/visit-types.ts';
import { eqIf } from '../../infra/db/fragments.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';

/** Queries only the FHIR views need; lists and single rows come from the owning modules' repositories. */

export async function countDoctors(scope: TenantScope, active?: boolean): Promise<number> {
  const [row] = await scope.tx.select({ n: count() }).from(doctors).where(scope.where(doctors, eqIf(doctors.active, active)));
  return row?.n ?? 0;
}

export async function countPatients(scope: TenantScope): Promise<number> {
  const [row] = await scope.tx.select({ n: count() }).from(patients).where(scope.where(patients));
  return row?.n ?? 0;
}

/** The doctors (all, or those named) whose Schedules a Slot search reads, active ones only (a deactivated doctor offers nothing). */
export async function activeDoctorIds(scope: TenantScope, ids?: string[]): Promise<string[]> {
  const rows = await scope.tx
    .select({ id: doctors.id })
    .from(doctors)
    .where(scope.where(doctors, eq(doctors.active, true), ids ? inArray(doctors.id, ids) : undefined))
    .orderBy(asc(doctors.id));
  return rows.map((r) => r.id);
}

export interface BusyTime {
  doctorId: string;
  startsAt: Date;
  endsAt: Date;
}

/** Live appointments (`scheduled`, or a hold not yet expired) of these doctors starting in [from, to): the busy Slots (a hold shows only as busy time). */
export async function busyTimes(scope: TenantScope, doctorIds: string[], window: { from: Date; to: Date }): Promise<BusyTime[]> {
  if (doctorIds.length === 0) return [];
  return scope.tx
    .select({ doctorId: appointments.doctorId, startsAt: appointments.startsAt, endsAt: appointments.endsAt })
    .from(appointments)
    .where(
      scope.where(
        appointments,
        and(
          inArray(appointments.doctorId, doctorIds),
          or(eq(appointments.status, 'scheduled'), and(eq(appointments.status, 'held'), sql`${appointments.holdExpiresAt} > now()`)),
          gte(appointments.startsAt, window.from),
          lt(appointments.startsAt, window.to),
        ),
      ),
    );
}

/** The active doctors of the hospital, whole rows, in id order (the $bulk-publish Schedules). */
export async function activeDoctors(scope: TenantScope) {
  return scope.select(doctors, eq(doctors.active, true)).orderBy(asc(doctors.id));
}

export async function countVisitTypes(scope: TenantScope, active?: boolean): Promise<number> {
  const [row] = await scope.tx.select({ n: count() }).from(visitTypes).where(scope.where(visitTypes, eqIf(visitTypes.active, active)));
  return row?.n ?? 0;
}

/** The names of these visit types (an Appointment's serviceType), by id. */
export async function visitTypeNames(scope: TenantScope, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await scope.tx
    .select({ id: visitTypes.id, name: visitTypes.name })
    .from(visitTypes)
    .where(scope.where(visitTypes, inArray(visitTypes.id, [...new Set(ids)])));
  return new Map(rows.map((r) => [r.id, r.name]));
}

/**
 * Per doctor, the active visit types they offer, in (name, id) order: the
 * Schedules' serviceType. `online` keeps those bookable online (the published
 * file); `doctorIds` limits it to a page of Schedules.
 */
export async function visitTypesByDoctor(scope: TenantScope, opts: { online?: boolean; doctorIds?: string[] } = {}): Promise<Map<string, { id: string; name: string }[]>> {
  if (opts.doctorIds?.length === 0) return new Map();
  const rows = await scope.tx
    .select({ doctorId: visitTypeDoctors.doctorId, id: visitTypes.id, name: visitTypes.name })
    .from(visitTypeDoctors)
    .innerJoin(visitTypes, and(eq(visitTypes.hospitalId, visitTypeDoctors.hospitalId), eq(visitTypes.id, visitTypeDoctors.visitTypeId)))
    .where(
      scope.where(
        visitTypeDoctors,
        eq(visitTypes.active, true),
        opts.online ? eq(visitTypes.bookableOnline, true) : undefined,
        opts.doctorIds ? inArray(visitTypeDoctors.doctorId, opts.doctorIds) : undefined,
      ),
    )
    .orderBy(asc(visitTypes.name), asc(visitTypes.id));
  const byDoctor = new Map<string, { id: string; name: string }[]>();
  for (const { doctorId, ...type } of rows) byDoctor.set(doctorId, [...(byDoctor.get(doctorId) ?? []), type]);
  return byDoctor;
}
