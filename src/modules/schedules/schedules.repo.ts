import { asc, eq, gt, lt, sql } from 'drizzle-orm';
import { afterCursor } from '../../infra/db/fragments.ts';
import { appointments } from '../../infra/db/schema/appointments.ts';
import { doctorTimeOff, doctorWeeklyHours } from '../../infra/db/schema/schedules.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { CursorPosition } from '../../shared/cursor.ts';
import type { WeeklyInterval } from './weekly.ts';

export type TimeOffRow = typeof doctorTimeOff.$inferSelect;

export async function findWeekly(scope: TenantScope, doctorId: string): Promise<WeeklyInterval[]> {
  return scope.tx
    .select({ weekday: doctorWeeklyHours.weekday, startMinute: doctorWeeklyHours.startMinute, endMinute: doctorWeeklyHours.endMinute })
    .from(doctorWeeklyHours)
    .where(scope.where(doctorWeeklyHours, eq(doctorWeeklyHours.doctorId, doctorId)))
    .orderBy(asc(doctorWeeklyHours.weekday), asc(doctorWeeklyHours.startMinute));
}

/** Replaces the whole weekly schedule (the caller holds the doctor row lock). */
export async function replaceWeekly(scope: TenantScope, doctorId: string, intervals: WeeklyInterval[]): Promise<void> {
  await scope.delete(doctorWeeklyHours, eq(doctorWeeklyHours.doctorId, doctorId));
  if (intervals.length === 0) return;
  await scope.insert(
    doctorWeeklyHours,
    intervals.map((i) => ({ doctorId, ...i })),
  );
}

export async function insertTimeOff(
  scope: TenantScope,
  values: { doctorId: string; startsAt: Date; endsAt: Date; reason: string | null; createdBy: string },
): Promise<TimeOffRow> {
  const [row] = await scope.insert(doctorTimeOff, values).returning();
  return row!;
}

/** Keyset page ordered by (starts_at, id), optionally only entries overlapping [from, to). */
export async function listTimeOff(
  scope: TenantScope,
  doctorId: string,
  opts: { limit: number; after: CursorPosition | null; from?: Date; to?: Date },
): Promise<TimeOffRow[]> {
  return scope
    .select(
      doctorTimeOff,
      eq(doctorTimeOff.doctorId, doctorId),
      opts.from ? gt(doctorTimeOff.endsAt, opts.from) : undefined,
      opts.to ? lt(doctorTimeOff.startsAt, opts.to) : undefined,
      afterCursor(opts.after, [doctorTimeOff.startsAt, doctorTimeOff.id], 'asc'),
    )
    .orderBy(asc(doctorTimeOff.startsAt), asc(doctorTimeOff.id))
    .limit(opts.limit + 1);
}

export async function deleteTimeOff(scope: TenantScope, doctorId: string, timeOffId: string): Promise<TimeOffRow | null> {
  const [row] = await scope.delete(doctorTimeOff, eq(doctorTimeOff.doctorId, doctorId), eq(doctorTimeOff.id, timeOffId)).returning();
  return row ?? null;
}

/** How many overlapping appointments a time-off answer lists (the total is counted in full). */
const OVERLAP_LIST_MAX = 100;

/** The doctor's booked (`scheduled`) appointments overlapping [startsAt, endsAt), by start; `total` counts them all. */
export async function bookedDuring(
  scope: TenantScope,
  doctorId: string,
  range: { startsAt: Date; endsAt: Date },
): Promise<{ total: number; appointments: { id: string; patientId: string; startsAt: Date; endsAt: Date }[] }> {
  const rows = await scope.tx
    .select({
      id: appointments.id,
      patientId: appointments.patientId,
      startsAt: appointments.startsAt,
      endsAt: appointments.endsAt,
      total: sql<number>`count(*) over ()`.mapWith(Number),
    })
    .from(appointments)
    .where(
      scope.where(
        appointments,
        eq(appointments.doctorId, doctorId),
        eq(appointments.status, 'scheduled'),
        lt(appointments.startsAt, range.endsAt),
        gt(appointments.endsAt, range.startsAt),
      ),
    )
    .orderBy(asc(appointments.startsAt), asc(appointments.id))
    .limit(OVERLAP_LIST_MAX);
  // `scheduled` rows only: never a hold, so always with a patient.
  return { total: rows[0]?.total ?? 0, appointments: rows.map(({ total: _total, patientId, ...a }) => ({ ...a, patientId: patientId! })) };
}
