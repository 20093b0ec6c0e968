import { and, asc, eq, gt, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../infra/db/client.ts';
import { appointments } from '../../infra/db/schema/appointments.ts';
import { doctorTimeOff, doctorWeeklyHours } from '../../infra/db/schema/schedules.ts';
import type { CursorPosition } from '../../shared/cursor.ts';
import type { WeeklyInterval } from './weekly.ts';

export type TimeOffRow = typeof doctorTimeOff.$inferSelect;

export async function findWeekly(tx: Executor, hospitalId: string, doctorId: string): Promise<WeeklyInterval[]> {
  return tx
    .select({ weekday: doctorWeeklyHours.weekday, startMinute: doctorWeeklyHours.startMinute, endMinute: doctorWeeklyHours.endMinute })
    .from(doctorWeeklyHours)
    .where(and(eq(doctorWeeklyHours.hospitalId, hospitalId), eq(doctorWeeklyHours.doctorId, doctorId)))
    .orderBy(asc(doctorWeeklyHours.weekday), asc(doctorWeeklyHours.startMinute));
}

/** Replaces the whole weekly schedule (the caller holds the doctor row lock). */
export async function replaceWeekly(tx: Executor, hospitalId: string, doctorId: string, intervals: WeeklyInterval[]): Promise<void> {
  await tx.delete(doctorWeeklyHours).where(and(eq(doctorWeeklyHours.hospitalId, hospitalId), eq(doctorWeeklyHours.doctorId, doctorId)));
  if (intervals.length === 0) return;
  await tx.insert(doctorWeeklyHours).values(intervals.map((i) => ({ hospitalId, doctorId, ...i })));
}

export async function insertTimeOff(
  tx: Executor,
  hospitalId: string,
  values: { doctorId: string; startsAt: Date; endsAt: Date; reason: string | null; createdBy: string },
): Promise<TimeOffRow> {
  const [row] = await tx
    .insert(doctorTimeOff)
    .values({ ...values, hospitalId })
    .returning();
  return row!;
}

/** Keyset page ordered by (starts_at, id), optionally only entries overlapping [from, to). */
export async function listTimeOff(
  tx: Executor,
  hospitalId: string,
  doctorId: string,
  opts: { limit: number; after: CursorPosition | null; from?: Date; to?: Date },
): Promise<TimeOffRow[]> {
  return tx
    .select()
    .from(doctorTimeOff)
    .where(
      and(
        eq(doctorTimeOff.hospitalId, hospitalId),
        eq(doctorTimeOff.doctorId, doctorId),
        opts.from ? gt(doctorTimeOff.endsAt, opts.from) : undefined,
        opts.to ? lt(doctorTimeOff.startsAt, opts.to) : undefined,
        opts.after ? sql`(${doctorTimeOff.startsAt}, ${doctorTimeOff.id}) > (${opts.after.key}::timestamptz, ${opts.after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(asc(doctorTimeOff.startsAt), asc(doctorTimeOff.id))
    .limit(opts.limit + 1);
}

export async function deleteTimeOff(tx: Executor, hospitalId: string, doctorId: string, timeOffId: string): Promise<TimeOffRow | null> {
  const [row] = await tx
    .delete(doctorTimeOff)
    .where(and(eq(doctorTimeOff.hospitalId, hospitalId), eq(doctorTimeOff.doctorId, doctorId), eq(doctorTimeOff.id, timeOffId)))
    .returning();
  return row ?? null;
}

/** How many overlapping appointments a time-off answer lists (the total is counted in full). */
const OVERLAP_LIST_MAX = 100;

/** The doctor's booked (`scheduled`) appointments overlapping [startsAt, endsAt), by start; `total` counts them all. */
export async function bookedDuring(
  tx: Executor,
  hospitalId: string,
  doctorId: string,
  range: { startsAt: Date; endsAt: Date },
): Promise<{ total: number; appointments: { id: string; patientId: string; startsAt: Date; endsAt: Date }[] }> {
  const rows = await tx
    .select({
      id: appointments.id,
      patientId: appointments.patientId,
      startsAt: appointments.startsAt,
      endsAt: appointments.endsAt,
      total: sql<number>`count(*) over ()`.mapWith(Number),
    })
    .from(appointments)
    .where(
      and(
        eq(appointments.hospitalId, hospitalId),
        eq(appointments.doctorId, doctorId),
        eq(appointments.status, 'scheduled'),
        lt(appointments.startsAt, range.endsAt),
        gt(appointments.endsAt, range.startsAt),
      ),
    )
    .orderBy(asc(appointments.startsAt), asc(appointments.id))
    .limit(OVERLAP_LIST_MAX);
  return { total: rows[0]?.total ?? 0, appointments: rows.map(({ total: _total, ...a }) => a) };
}
