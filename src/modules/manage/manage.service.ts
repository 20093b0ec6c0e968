// The manage module owns patients' self-service on one appointment through its signed link (SPEC section 15): see it, cancel it, move it.
import type { Db } from '../../infra/db/client.ts';
import { withTenant, type TenantScope } from '../../infra/db/tenant.ts';
import { DomainError, notFound } from '../../shared/errors.ts';
import { parseInstant } from '../../shared/instant.ts';
import { loadAppointmentContext, type AppointmentContext } from '../appointments/appointment-notifications.ts';
import { patientAppointmentActor, type AppointmentService, type ChangeGuard } from '../appointments/appointments.service.ts';
import type { AvailabilityService } from '../availability/availability.service.ts';
import type { VisitTypeAvailabilityInput } from '../availability/availability.schemas.ts';
import { findHospital } from '../hospitals/hospitals.repo.ts';
import type { WaitlistEntryRow } from '../waitlist/waitlist.repo.ts';
import { earlierTimeEntryOf } from '../waitlist/waitlist.service.ts';
import type { ManageLinks } from './manage-links.ts';
import type { ManageCancelInput, ManagedAppointmentView, ManageRescheduleInput } from './manage.schemas.ts';

const MINUTE_MS = 60_000;

export interface ManageServiceDeps {
  db: Db;
  links: ManageLinks;
  /** The appointments service staff use: a patient's cancel and move go through the same booking core, as the patient. */
  appointments: Pick<AppointmentService, 'cancel' | 'reschedule'>;
  availability: Pick<AvailabilityService, 'forPatient'>;
  now?: () => Date;
}

/** The last moment a visit starting at `start` may be cancelled or moved through its link. */
const changeableUntil = (start: Date, noticeMinutes: number) => new Date(start.getTime() - noticeMinutes * MINUTE_MS);

function view(ctx: AppointmentContext, waiting: WaitlistEntryRow | null = null): ManagedAppointmentView {
  return {
    id: ctx.id,
    status: ctx.status,
    start: ctx.startsAt.toISOString(),
    end: ctx.endsAt.toISOString(),
    hospital: { name: ctx.hospitalName, subdomain: ctx.hospitalSubdomain, timezone: ctx.timezone, phone: ctx.hospitalPhone },
    doctor: { id: ctx.doctorId, name: ctx.doctorName },
    visitType: ctx.visitTypeId && ctx.visitTypeName ? { id: ctx.visitTypeId, name: ctx.visitTypeName } : null,
    resources: ctx.resourceNames,
    changeableUntil: changeableUntil(ctx.startsAt, ctx.cancellationNoticeMinutes).toISOString(),
    waitlist: waiting && { id: waiting.id, earliest: waiting.earliest, latest: waiting.latest, createdAt: waiting.createdAt.toISOString() },
  };
}

export function createManageService({ db, links, appointments, availability, now = () => new Date() }: ManageServiceDeps) {
  /**
   * The live appointment a token names. Tampered, expired, foreign (the
   * appointment is not in the token's hospital), cancelled and erased-patient
   * all answer the same 404: the link tells nothing about why it does not work.
   */
  async function resolve(token: string): Promise<AppointmentContext> {
    return within(token, (_scope, ctx) => Promise.resolve(ctx));
  }

  /** resolve's check, then `fn` in the same tenant transaction. */
  async function within<T>(token: string, fn: (scope: TenantScope<null>, ctx: AppointmentContext) => Promise<T>): Promise<T> {
    const ref = links.read(token);
    if (!ref) throw notFound('Appointment');
    return withTenant(db, ref.hospitalId, async (scope) => {
      const ctx = await loadAppointmentContext(scope, ref.appointmentId);
      if (!ctx || ctx.status === 'cancelled' || ctx.patientErased) throw notFound('Appointment');
      return fn(scope, ctx);
    });
  }

  /** The visit, and the waitlist entry by which its patient already waits for an earlier time (the page then offers no second join). */
  const current = (token: string): Promise<ManagedAppointmentView> =>
    within(token, async (scope, ctx) => view(ctx, ctx.status === 'scheduled' ? await earlierTimeEntryOf(scope, ctx, ctx.timezone, now()) : null));

  /**
   * Patients change a visit only until the hospital's cancellationNoticeMinutes
   * before it; later, they call the hospital. Judged inside the transaction that
   * changes it, on the row as locked there (a concurrent move cannot slip in
   * between), with the setting as it is then. A move must also land outside the
   * notice: a visit moved into it could not be changed again.
   */
  const noticeGuard =
    (target?: Date): ChangeGuard =>
    async (scope, current) => {
      const notice = (await findHospital(scope))!.cancellationNoticeMinutes;
      const nowMs = now().getTime();
      const until = changeableUntil(current.startsAt, notice);
      if (nowMs > until.getTime()) {
        throw new DomainError('TOO_LATE_TO_CHANGE', `This appointment can no longer be changed online: changes end ${notice} minutes before it starts`, {
          cancellationNoticeMinutes: notice,
          changeableUntil: until.toISOString(),
        });
      }
      if (target && nowMs > changeableUntil(target, notice).getTime()) {
        throw new DomainError('TOO_LATE_TO_CHANGE', `A visit can be moved online only to a time more than ${notice} minutes ahead`, {
          cancellationNoticeMinutes: notice,
          earliestStart: new Date(nowMs + notice * MINUTE_MS).toISOString(),
        });
      }
    };

  const actorFor = (ctx: AppointmentContext, requestId: string) => patientAppointmentActor(ctx.hospitalId, ctx.patientId, requestId);

  return {
    /** The visit, and the waitlist entry by which its patient already waits for an earlier time (the page then offers no second join). */
    get: current,

    /** Cancels as the patient (audit actor 'patient'); the link is dead afterwards. Answers the appointment as cancelled. */
    async cancel(token: string, input: ManageCancelInput, requestId: string): Promise<ManagedAppointmentView> {
      const ctx = await resolve(token);
      const row = await appointments.cancel(actorFor(ctx, requestId), ctx.id, { reason: input.reason }, noticeGuard());
      return view({ ...ctx, status: row.status });
    },

    /**
     * Moves it as the patient through the staff reschedule (constraints,
     * resources, plan, the notice with a fresh link). The notice is judged on
     * the current start (a visit too close to change stays where it is) and
     * on the new one (never into the notice).
     */
    async reschedule(token: string, input: ManageRescheduleInput, requestId: string): Promise<ManagedAppointmentView> {
      const ctx = await resolve(token);
      const target = parseInstant(input.start, 'start');
      await appointments.reschedule(actorFor(ctx, requestId), ctx.id, { start: input.start }, noticeGuard(target));
      return current(token);
    },

    /** Free slots of the same doctor and visit type to move to: only those outside the notice, which the patient could change again. */
    async availability(token: string, input: VisitTypeAvailabilityInput) {
      const ctx = await resolve(token);
      const result = await availability.forPatient(ctx.hospitalId, ctx.doctorId, ctx.visitTypeId, input);
      const nowMs = now().getTime();
      return { ...result, slots: result.slots.filter((slot) => changeableUntil(new Date(slot.start), ctx.cancellationNoticeMinutes).getTime() > nowMs) };
    },
  };
}

export type ManageService = ReturnType<typeof createManageService>;
