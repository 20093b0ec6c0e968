import { isConstraintViolation, PG_EXCLUSION_VIOLATION } from '../../infra/db/errors.ts';
import { DomainError } from '../../shared/errors.ts';

// The conflicts a booking write can meet, as domain errors, and the retry of a transaction PostgreSQL aborted to break a deadlock.

export const bufferError = (bufferMinutes: number) =>
  new DomainError('SLOT_UNAVAILABLE', `The doctor needs ${bufferMinutes} minutes between appointments`, { reason: 'buffer', bufferMinutes });

const PG_DEADLOCK_DETECTED = '40P01';
const DEADLOCK_RETRIES = 2;

/**
 * Re-runs a booking transaction PostgreSQL aborted to break a deadlock (the
 * whole transaction rolled back, Idempotency-Key claim included, so running
 * it again is safe). Lock order makes this rare; it must never become a 500.
 */
export async function retryOnDeadlock<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= DEADLOCK_RETRIES || !isConstraintViolation(err, PG_DEADLOCK_DETECTED)) throw err;
    }
  }
}

export function overlapError(who: 'doctor' | 'patient'): DomainError {
  return who === 'doctor'
    ? new DomainError('SLOT_UNAVAILABLE', 'The doctor already has an appointment at that time', { reason: 'overlap' })
    : new DomainError('PATIENT_BUSY', 'The patient already has an appointment at that time');
}

/** Maps the exclusion constraints (SQLSTATE 23P01, by constraint name) to the conflict they mean. */
export function exclusionError(err: unknown): DomainError | null {
  if (isConstraintViolation(err, PG_EXCLUSION_VIOLATION, 'appointments_doctor_no_overlap')) return overlapError('doctor');
  if (isConstraintViolation(err, PG_EXCLUSION_VIOLATION, 'appointments_patient_no_overlap')) return overlapError('patient');
  return null;
}
