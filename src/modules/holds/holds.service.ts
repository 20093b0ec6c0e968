// The holds module: a slot taken for a while before it is booked — by a visitor booking online (public holds)
// or for a waitlist offer. A hold IS an appointments row with status `held` (no patient yet, an expiry), so it goes
// through the booking core and the very same exclusion constraints as a booking; see docs/self-service.md.
import type { HoldKind } from '../../infra/db/schema/holds.ts';
import { TenantScope } from '../../infra/db/tenant.ts';
import { DomainError, notFound, validation } from '../../shared/errors.ts';
import { recordAudit } from '../audit/audit.repo.ts';
import { createBookingCore, type AppointmentRecord, type HeldSlot, type Scope } from '../appointments/booking-core.ts';
import { exclusionError } from '../appointments/booking-conflicts.ts';
import { deleteHeld, doctorsOffering, findHold, insertHoldDetails, type HoldRow } from './holds.repo.ts';

export interface PlaceHoldInput {
  /** Left out: "any doctor" — the first active doctor offering the visit type who is free, in id order. */
  doctorId?: string;
  visitTypeId?: string;
  /** ISO 8601 instant with offset. */
  start: string;
  resourceIds?: string[];
  expiresAt: Date;
  kind: HoldKind;
}

export interface HoldView {
  id: string;
  doctorId: string;
  visitTypeId: string | null;
  start: string;
  end: string;
  expiresAt: string;
  resources: { id: string; kind: string; name: string }[];
}

export const holdView = (slot: Pick<HeldSlot, 'id' | 'doctorId' | 'visitTypeId' | 'startsAt' | 'endsAt' | 'holdExpiresAt' | 'resources'>): HoldView => ({
  id: slot.id,
  doctorId: slot.doctorId,
  visitTypeId: slot.visitTypeId,
  start: slot.startsAt.toISOString(),
  end: slot.endsAt.toISOString(),
  expiresAt: slot.holdExpiresAt.toISOString(),
  resources: slot.resources.map(({ id, kind, name }) => ({ id, kind, name })),
});

/** Refusals that are about one doctor's time: "any doctor" tries the next one. */
const DOCTOR_REFUSALS = new Set(['SLOT_UNAVAILABLE', 'RESOURCE_UNAVAILABLE', 'OUTSIDE_SCHEDULE', 'DOCTOR_INACTIVE', 'VISIT_TYPE_NOT_OFFERED']);

/**
 * The hold primitive, used by public holds and by waitlist offers. Every
 * function runs inside the caller's tenant transaction (`scope`); callers
 * wrap it in `bookingWrite` (deadlock retry, 23P01 → 409).
 */
export function createHoldCore({ now }: { now: () => Date }) {
  const core = createBookingCore({ now });

  /** One doctor, in a savepoint: a refusal undoes only this attempt, so "any doctor" can go on to the next. */
  async function holdFor(scope: Scope, doctorId: string, input: PlaceHoldInput): Promise<HeldSlot> {
    return scope.tx.transaction(async (sp) => {
      const inner = new TenantScope(sp, scope.hospitalId, scope.actor);
      try {
        const slot = await core.holdWithin(
          inner,
          { doctorId, start: input.start, ...(input.visitTypeId ? { visitTypeId: input.visitTypeId } : {}), ...(input.resourceIds ? { resourceIds: input.resourceIds } : {}) },
          { expiresAt: input.expiresAt, kind: input.kind },
        );
        await insertHoldDetails(inner, slot.id, input.kind);
        return slot;
      } catch (err) {
        throw exclusionError(err) ?? err;
      }
    });
  }

  /** Takes the slot (and its resources) until `expiresAt`, through every rule of a booking. */
  async function placeHold(scope: Scope, input: PlaceHoldInput): Promise<HoldView> {
    if (input.doctorId) return holdView(await holdFor(scope, input.doctorId, input));
    if (!input.visitTypeId) {
      throw validation('Invalid body: name a doctorId, or a visitTypeId for any doctor offering it', {
        fields: [{ field: 'doctorId', in: 'body', message: 'is required without visitTypeId' }],
      });
    }
    const candidates = await doctorsOffering(scope, input.visitTypeId);
    let first: unknown = null;
    for (const doctorId of candidates) {
      try {
        return holdView(await holdFor(scope, doctorId, input));
      } catch (err) {
        if (!(err instanceof DomainError) || !DOCTOR_REFUSALS.has(err.code)) throw err;
        first ??= err;
      }
    }
    throw first ?? new DomainError('SLOT_UNAVAILABLE', 'No doctor offering the visit type is free at that time', { reason: 'no_doctor' });
  }

  /** The hold, still held (404 otherwise: converted, released, expired and swept, or another hospital's). */
  async function liveHold(scope: Scope, holdId: string): Promise<HoldRow> {
    const hold = await findHold(scope, holdId);
    if (!hold || !hold.live) throw notFound('Hold');
    return hold;
  }

  /** Gives the slot back: deletes the hold and its resource bookings. */
  async function releaseHold(scope: Scope, holdId: string): Promise<void> {
    const hold = await liveHold(scope, holdId);
    if (!(await deleteHeld(scope, holdId))) throw notFound('Hold');
    await recordAudit(scope, {
      action: 'appointment.hold_released',
      entityType: 'appointment',
      entityId: holdId,
      metadata: { doctorId: hold.doctorId, start: hold.startsAt.toISOString(), kind: hold.kind },
    });
  }

  /**
   * Books the held slot for the patient, as a staff booking is made (the
   * plan's state and the month's limit, the confirmation, reminders, webhook
   * and audit event), in ONE statement that turns the row from held to
   * scheduled. 410 HOLD_EXPIRED once it expired; 409 HOLD_CONFIRMED when it
   * is already an appointment (a second confirm never books twice).
   */
  async function convertHold(scope: Scope, holdId: string, { patientId }: { patientId: string }): Promise<AppointmentRecord> {
    const hold = await findHold(scope, holdId);
    if (!hold) throw notFound('Hold');
    if (hold.status !== 'held') throw new DomainError('HOLD_CONFIRMED', 'The hold is already a booked appointment', { appointmentId: hold.id });
    if (!hold.live) throw new DomainError('HOLD_EXPIRED', 'The hold has expired; the slot is free again', { expiredAt: hold.expiresAt!.toISOString() });
    return core.convertWithin(scope, hold, patientId);
  }

  return { placeHold, releaseHold, convertHold, liveHold };
}

export type HoldCore = ReturnType<typeof createHoldCore>;
