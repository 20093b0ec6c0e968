// The schedules module owns when a doctor works: the weekly hours, slot and buffer lengths, and time off.
import { Temporal } from 'temporal-polyfill';
import type { Db } from '../../infra/db/client.ts';
import { withTenant, type TenantScope } from '../../infra/db/tenant.ts';
import { decodeTimeCursor, pageOf } from '../../shared/cursor.ts';
import { forbidden, notFound, validation } from '../../shared/errors.ts';
import { parseInstant } from '../../shared/instant.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import { findDoctor, updateDoctor, type DoctorRow } from '../doctors/doctors.repo.ts';
import { findHospital } from '../hospitals/hospitals.repo.ts';
import { bookedDuring, deleteTimeOff, findWeekly, insertTimeOff, listTimeOff, replaceWeekly, type TimeOffRow } from './schedules.repo.ts';
import type { CreateTimeOffInput, ListTimeOffInput, PutScheduleInput } from './schedules.schemas.ts';
import { parseWeekly, weeklyView } from './weekly.ts';

export type ScheduleActor = Actor & { hospitalId: string; role: string; doctorId: string | null };

export interface ScheduleView {
  doctorId: string;
  timezone: string;
  slotMinutes: number;
  bufferMinutes: number;
  weekly: ReturnType<typeof weeklyView>;
}

/** Doctors may write only their own schedule and time off; owner and admin any (the route permission let them in). */
function assertMayWrite(actor: ScheduleActor, doctorId: string): void {
  if (actor.role === 'doctor' && actor.doctorId !== doctorId) {
    throw forbidden("A doctor may change only their own schedule and time off");
  }
}

async function doctorOr404(scope: TenantScope, doctorId: string, forUpdate = false): Promise<DoctorRow> {
  const doctor = await findDoctor(scope, doctorId, { forUpdate });
  if (!doctor) throw notFound('Doctor');
  return doctor;
}

export function createScheduleService({ db }: { db: Db }) {
  async function view(scope: TenantScope, doctor: DoctorRow): Promise<ScheduleView> {
    const [hospital, weekly] = [await findHospital(scope), await findWeekly(scope, doctor.id)];
    return {
      doctorId: doctor.id,
      timezone: hospital!.timezone,
      slotMinutes: doctor.slotMinutes,
      bufferMinutes: doctor.bufferMinutes,
      weekly: weeklyView(weekly),
    };
  }

  return {
    async getSchedule(hospitalId: string, doctorId: string): Promise<ScheduleView> {
      return withTenant(db, hospitalId, async (scope) => view(scope, await doctorOr404(scope, doctorId)));
    },

    /**
     * Replaces the weekly schedule. The doctor row is locked so two
     * concurrent PUTs apply one after the other rather than interleaving.
     * slotMinutes and bufferMinutes keep their values when omitted.
     */
    async putSchedule(actor: ScheduleActor, doctorId: string, input: PutScheduleInput): Promise<ScheduleView> {
      return withTenant(db, actor, async (scope) => {
        let doctor = await doctorOr404(scope, doctorId, true);
        assertMayWrite(actor, doctorId);
        const intervals = parseWeekly(input.weekly, input.slotMinutes ?? doctor.slotMinutes);
        await replaceWeekly(scope, doctorId, intervals);
        const changes: { slotMinutes?: number; bufferMinutes?: number } = {};
        if (input.slotMinutes !== undefined) changes.slotMinutes = input.slotMinutes;
        if (input.bufferMinutes !== undefined) changes.bufferMinutes = input.bufferMinutes;
        doctor = (await updateDoctor(scope, doctorId, changes))!;
        await recordAudit(scope, {
          action: 'doctor.schedule_replaced',
          entityType: 'doctor',
          entityId: doctorId,
          changes: Object.keys(input),
          metadata: { intervals: intervals.length },
        });
        return view(scope, doctor);
      });
    },

    /**
     * Adds time off. Booked appointments inside it are not touched (staff
     * decide: move or cancel them), but they come back with it, so the
     * answer says which ones need attention.
     */
    async createTimeOff(actor: ScheduleActor, doctorId: string, input: CreateTimeOffInput): Promise<{ timeOff: TimeOffRow; overlapping: Awaited<ReturnType<typeof bookedDuring>> }> {
      const startsAt = parseInstant(input.start, 'start');
      const endsAt = parseInstant(input.end, 'end');
      if (endsAt <= startsAt) {
        throw validation('Invalid body: end must be after start', { fields: [{ field: 'end', in: 'body', message: 'must be after start' }] });
      }
      return withTenant(db, actor, async (scope) => {
        await doctorOr404(scope, doctorId);
        assertMayWrite(actor, doctorId);
        const row = await insertTimeOff(scope, {
          doctorId,
          startsAt,
          endsAt,
          reason: input.reason ?? null,
          createdBy: actor.userId,
        });
        await recordAudit(scope, {
          action: 'doctor.time_off_created',
          entityType: 'doctor_time_off',
          entityId: row.id,
          changes: Object.keys(input),
          metadata: { doctorId },
        });
        return { timeOff: row, overlapping: await bookedDuring(scope, doctorId, { startsAt, endsAt }) };
      });
    },

    async listTimeOff(hospitalId: string, doctorId: string, query: ListTimeOffInput) {
      const limit = query.limit ?? 20;
      const after = decodeTimeCursor(query.cursor);
      const from = query.from === undefined ? undefined : parseInstant(query.from, 'from', 'querystring');
      const to = query.to === undefined ? undefined : parseInstant(query.to, 'to', 'querystring');
      const rows = await withTenant(db, hospitalId, async (scope) => {
        await doctorOr404(scope, doctorId);
        return listTimeOff(scope, doctorId, { limit, after, ...(from ? { from } : {}), ...(to ? { to } : {}) });
      });
      return pageOf(rows, limit, (r) => r.startsAt.toISOString());
    },

    async deleteTimeOff(actor: ScheduleActor, doctorId: string, timeOffId: string): Promise<TimeOffRow> {
      return withTenant(db, actor, async (scope) => {
        await doctorOr404(scope, doctorId);
        assertMayWrite(actor, doctorId);
        const row = await deleteTimeOff(scope, doctorId, timeOffId);
        if (!row) throw notFound('Time off');
        await recordAudit(scope, {
          action: 'doctor.time_off_deleted',
          entityType: 'doctor_time_off',
          entityId: timeOffId,
          metadata: { doctorId },
        });
        return row;
      });
    },
  };
}

export type ScheduleService = ReturnType<typeof createScheduleService>;
