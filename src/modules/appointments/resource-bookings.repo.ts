import { sql, type SQL } from 'drizzle-orm';
import { rawRows } from '../../infra/db/client.ts';
import { instant } from '../../infra/db/fragments.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';

/** A resource as an appointment view names it. */
export interface ResourceRef {
  id: string;
  kind: string;
  name: string;
}

/**
 * `b` (a resource_bookings row) takes its resource now: live, and not the
 * booking of an expired hold (which a writer deletes before taking the time;
 * until then it blocks nothing for availability).
 */
export const takesResource = (b: SQL) =>
  sql`${b}.live and not exists (select 1 from appointments x
                                 where x.hospital_id = ${b}.hospital_id and x.id = ${b}.appointment_id and x.status = 'held' and x.hold_expires_at <= now())`;

const uuidArray = (ids: readonly string[]) => sql`${`{${ids.join(',')}}`}::uuid[]`;
const textArray = (values: readonly string[]) => sql`${`{${values.map((v) => `"${v}"`).join(',')}}`}::text[]`;

/**
 * Takes, in ONE statement, the first free active resources of every kind
 * `requires` lists (as many of a kind as it is listed), in the deterministic
 * order (preferred ones first, then name, then id), and books them over
 * [from, to): free = no time off and no live booking overlapping. `only`
 * limits the choice to named resources. Returns what it took; fewer of a
 * kind than required means that kind is not free (the caller refuses and
 * its transaction, with these rows, rolls back). Runs under the
 * subscription lock, so its snapshot sees every committed booking; the
 * exclusion constraint resource_bookings_no_overlap is the guarantee anyway.
 */
export async function takeFreeResources(
  scope: TenantScope,
  booking: { appointmentId: string; from: Date; to: Date; requires: readonly string[]; only?: readonly string[]; prefer?: readonly string[] },
): Promise<ResourceRef[]> {
  const from = instant(booking.from);
  const to = instant(booking.to);
  const h = sql`${scope.hospitalId}::uuid`;
  return rawRows<ResourceRef>(
    scope.tx,
    sql`with need as (select k as kind, count(*)::int as n from unnest(${textArray(booking.requires)}) k group by k),
             free as (
               select r.id, r.kind, r.name,
                      row_number() over (partition by r.kind order by (r.id = any(${uuidArray(booking.prefer ?? [])})) desc, r.name, r.id) as rn
                 from resources r join need on need.kind = r.kind
                where r.hospital_id = ${h} and r.active
                  ${booking.only ? sql`and r.id = any(${uuidArray(booking.only)})` : sql``}
                  and not exists (select 1 from resource_time_off o
                                   where o.hospital_id = ${h} and o.resource_id = r.id and o.starts_at < ${to} and o.ends_at > ${from})
                  and not exists (select 1 from resource_bookings b
                                   where b.hospital_id = ${h} and b.resource_id = r.id and b.live
                                     and tstzrange(b.starts_at, b.ends_at) && tstzrange(${from}, ${to}))),
             picked as (select f.id, f.kind, f.name from free f join need on need.kind = f.kind where f.rn <= need.n),
             booked as (
               insert into resource_bookings (hospital_id, appointment_id, resource_id, starts_at, ends_at)
               select ${h}, ${booking.appointmentId}::uuid, p.id, ${from}, ${to} from picked p
               returning resource_id)
        select p.id, p.kind, p.name from picked p join booked b on b.resource_id = p.id
         order by p.kind, p.name, p.id`,
  );
}

/** The resources named in a booking, as this hospital has them (missing ones are absent). */
export function findResourcesByIds(scope: TenantScope, ids: readonly string[]): Promise<(ResourceRef & { active: boolean })[]> {
  return rawRows(
    scope.tx,
    sql`select r.id, r.kind, r.name, r.active from resources r where r.hospital_id = ${scope.hospitalId}::uuid and r.id = any(${uuidArray(ids)})`,
  );
}

/** A moved appointment gives its resources back before taking new ones (same transaction, under the lock). */
export async function dropResourceBookings(scope: TenantScope, appointmentId: string): Promise<string[]> {
  const rows = await rawRows<{ resource_id: string }>(
    scope.tx,
    sql`delete from resource_bookings where hospital_id = ${scope.hospitalId}::uuid and appointment_id = ${appointmentId}::uuid returning resource_id`,
  );
  return rows.map((r) => r.resource_id);
}

/** The resources each appointment holds (or held, once cancelled), by kind then name. */
export async function resourcesOf(scope: TenantScope, appointmentIds: readonly string[]): Promise<Map<string, ResourceRef[]>> {
  const byAppointment = new Map<string, ResourceRef[]>();
  if (appointmentIds.length === 0) return byAppointment;
  const rows = await rawRows<ResourceRef & { appointment_id: string }>(
    scope.tx,
    sql`select b.appointment_id, r.id, r.kind, r.name
          from resource_bookings b join resources r on r.hospital_id = b.hospital_id and r.id = b.resource_id
         where b.hospital_id = ${scope.hospitalId}::uuid and b.appointment_id = any(${uuidArray(appointmentIds)})
         order by r.kind, r.name, r.id`,
  );
  for (const { appointment_id: id, ...ref } of rows) byAppointment.set(id, [...(byAppointment.get(id) ?? []), ref]);
  return byAppointment;
}
