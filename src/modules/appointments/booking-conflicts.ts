import { isConstraintViolation, PG_EXCLUSION_VIOLATION } from '../../infra/db/errors.ts';
import { TenantScope } from '../../infra/db/tenant.ts';
import { DomainError } from '../../shared/errors.ts';
import type { Scope } from './booking-core.ts';
import { findResourcesByIds, takeFreeResources, type ResourceRef } from './resource-bookings.repo.ts';

/**
 * What a booking can run into at write time, and what Tempus makes of it: the
 * exclusion constraints' 23P01 as the conflict they mean (doctor, patient,
 * resource), a deadlock as a retry, and the resources a visit needs taken in a
 * savepoint so a lost race re-picks. Shared by the booking core and every
 * module that writes appointments in its own transaction (series, holds,
 * waitlist offers).
 */

const PG_DEADLOCK_DETECTED = '40P01';
const DEADLOCK_RETRIES = 2;
/** Automatic assignment re-picks after losing a resource to a concurrent booking this many times at most. */
const ASSIGN_ATTEMPTS = 3;

export function overlapError(who: 'doctor' | 'patient'): DomainError {
  return who === 'doctor'
    ? new DomainError('SLOT_UNAVAILABLE', 'The doctor already has an appointment at that time', { reason: 'overlap' })
    : new DomainError('PATIENT_BUSY', 'The patient already has an appointment at that time');
}

export const resourceUnavailable = (kind: string | null) =>
  new DomainError('RESOURCE_UNAVAILABLE', kind ? `No ${kind} is free for the whole visit and its buffers` : 'A resource the visit needs is taken', { kind });

/** Maps the exclusion constraints (SQLSTATE 23P01, by constraint name) to the conflict they mean. */
export function exclusionError(err: unknown): DomainError | null {
  if (isConstraintViolation(err, PG_EXCLUSION_VIOLATION, 'appointments_doctor_no_overlap')) return overlapError('doctor');
  if (isConstraintViolation(err, PG_EXCLUSION_VIOLATION, 'appointments_patient_no_overlap')) return overlapError('patient');
  if (isConstraintViolation(err, PG_EXCLUSION_VIOLATION, 'resource_bookings_no_overlap')) return resourceUnavailable(null);
  return null;
}

/**
 * Re-runs a booking transaction PostgreSQL aborted to break a deadlock (the
 * whole transaction rolled back, Idempotency-Key claim included, so running
 * it again is safe), and maps the exclusion constraints' 23P01 to 409s.
 */
export async function bookingWrite<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= DEADLOCK_RETRIES || !isConstraintViolation(err, PG_DEADLOCK_DETECTED)) throw exclusionError(err) ?? err;
    }
  }
}

/** The first kind `requires` lists more often than `taken` holds, or null when every need is met. */
function shortKind(requires: readonly string[], taken: readonly ResourceRef[]): string | null {
  for (const kind of requires) {
    if (requires.filter((k) => k === kind).length > taken.filter((r) => r.kind === kind).length) return kind;
  }
  return null;
}

/**
 * Takes the resources a visit needs (the named ones, or the first free of
 * each kind) in a savepoint: losing one to a concurrent booking (23P01 on
 * resource_bookings_no_overlap) undoes only this attempt, and the next one
 * sees that booking and picks the next free resource of the kind.
 */
export async function assignResources(
  scope: Scope,
  booking: { appointmentId: string; from: Date; to: Date; requires: readonly string[]; only?: readonly string[]; prefer?: readonly string[] },
): Promise<ResourceRef[]> {
  if (booking.requires.length === 0) return [];
  for (let attempt = 1; ; attempt++) {
    try {
      const taken = await scope.tx.transaction((sp) => takeFreeResources(new TenantScope(sp, scope.hospitalId, scope.actor), booking));
      const short = shortKind(booking.requires, taken);
      if (short) throw resourceUnavailable(short);
      return taken;
    } catch (err) {
      if (attempt >= ASSIGN_ATTEMPTS || !isConstraintViolation(err, PG_EXCLUSION_VIOLATION, 'resource_bookings_no_overlap')) throw err;
    }
  }
}

/** Named resources must be this hospital's (404), active (422) and exactly the kinds the visit type requires (422). */
export async function assertNamedResources(scope: Scope, ids: readonly string[], requires: readonly string[]): Promise<void> {
  const found = await findResourcesByIds(scope, ids);
  const missing = ids.filter((id) => !found.some((r) => r.id === id));
  if (missing.length) throw new DomainError('NOT_FOUND', 'Resource not found', { resourceIds: missing });
  const inactive = found.filter((r) => !r.active).map((r) => r.id);
  if (inactive.length) throw new DomainError('RESOURCE_INACTIVE', 'A deactivated resource cannot be booked', { resourceIds: inactive });
  const given = found.map((r) => r.kind).sort();
  if (given.join(',') !== [...requires].sort().join(',')) {
    throw new DomainError('RESOURCE_KIND_MISMATCH', 'The resources named must be exactly the kinds the visit type requires', { requires, given });
  }
}
