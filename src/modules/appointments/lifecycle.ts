import type { AppointmentStatus } from '../../infra/db/schema/appointments.ts';
import { DomainError } from '../../shared/errors.ts';

/**
 * The appointment state machine (SPEC section 8):
 * `scheduled -> completed | cancelled | no_show`; every other state is final.
 * Rescheduling keeps an appointment `scheduled` and is allowed from there only.
 */
export type LifecycleAction = 'cancel' | 'complete' | 'no_show' | 'reschedule';

const target: Record<LifecycleAction, AppointmentStatus> = {
  cancel: 'cancelled',
  complete: 'completed',
  no_show: 'no_show',
  reschedule: 'scheduled',
};

const allowed: Record<AppointmentStatus, readonly LifecycleAction[]> = {
  scheduled: ['cancel', 'complete', 'no_show', 'reschedule'],
  completed: [],
  cancelled: [],
  no_show: [],
};

export function canApply(status: AppointmentStatus, action: LifecycleAction): boolean {
  return allowed[status].includes(action);
}

/** The status after `action`, or 409 INVALID_TRANSITION naming both ends. */
export function transition(status: AppointmentStatus, action: LifecycleAction): AppointmentStatus {
  if (canApply(status, action)) return target[action];
  throw new DomainError('INVALID_TRANSITION', `A ${status.replace('_', '-')} appointment cannot be ${pastTense[action]}`, {
    from: status,
    action,
    allowed: allowed[status],
  });
}

/**
 * Completion and no-show describe what happened at the visit, so they need
 * the visit to have started; before that the only way out is cancel.
 */
export function assertStarted(action: 'complete' | 'no_show', startsAt: Date, now: Date): void {
  if (startsAt.getTime() <= now.getTime()) return;
  throw new DomainError('INVALID_TRANSITION', `An appointment cannot be ${pastTense[action]} before it starts`, {
    from: 'scheduled',
    action,
    start: startsAt.toISOString(),
  });
}

const pastTense: Record<LifecycleAction, string> = {
  cancel: 'cancelled',
  complete: 'completed',
  no_show: 'marked as a no-show',
  reschedule: 'rescheduled',
};
