import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { SignedTokens } from '../../infra/crypto/signed-token.ts';
import type { ScopeActor, TenantScope } from '../../infra/db/tenant.ts';
import { enqueue } from '../../infra/queue/outbox.ts';
import { DomainError } from '../../shared/errors.ts';
import { exclusionError } from '../appointments/booking-conflicts.ts';
import { recordAudit } from '../audit/audit.repo.ts';
import { findDoctor } from '../doctors/doctors.repo.ts';
import { findHospital } from '../hospitals/hospitals.repo.ts';
import { addDeliveryLine } from '../notifications/deliveries.repo.ts';
import { derivedId } from '../notifications/ids.ts';
import { enqueueJob } from '../notifications/jobs.ts';
import { decideChannel } from '../notifications/notifications.consumer.ts';
import { findPatient } from '../patients/patients.repo.ts';
import { findSubscription } from '../subscriptions/subscriptions.repo.ts';
import { findVisitType } from '../visit-types/visit-types.repo.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';
import { createHoldCore } from '../holds/holds.service.ts';
import { deleteHeld } from '../holds/holds.repo.ts';
import type { Scope } from '../appointments/booking-core.ts';
import { slotFreedMessage } from './waitlist-events.ts';
import { insertOffer, lockNextEntry, settleOffer, type FreedSlot, type WaitlistEntryRow, type WaitlistOfferRow } from './waitlist.repo.ts';

/** The signed-token purpose of offer links; a token of another purpose never opens an offer. */
export const OFFER_TOKEN_PURPOSE = 'waitlist-offer';
/** Entries tried for one slot at most (those the slot does not suit, e.g. a longer visit type, are passed over). */
const MAX_CANDIDATES = 20;
const MINUTE_MS = 60_000;

export interface OfferDeps {
  tokens: SignedTokens;
  publicBaseUrl: string;
  now?: () => Date;
  logger?: Logger;
}

export interface OfferTokenPayload extends Record<string, unknown> {
  /** The offer. */
  o: string;
  /** Its hospital (the tenant to open it in). */
  h: string;
}

export const offerUrl = (deps: OfferDeps, offer: Pick<WaitlistOfferRow, 'id' | 'hospitalId' | 'expiresAt'>) =>
  `${deps.publicBaseUrl}/offers/${deps.tokens.sign(OFFER_TOKEN_PURPOSE, { o: offer.id, h: offer.hospitalId } satisfies OfferTokenPayload, offer.expiresAt)}`;

/** Who the audit log names when a task acts: no user, the task's message id in place of a request id. */
export const systemActor = (messageId: string): ScopeActor => ({ userId: null, requestId: `task:${messageId}` });

/**
 * The booking core takes a staff actor's scope; the engine acts for the
 * system (a task: no user) or for the patient (a declined offer), which the
 * audit log records as such. Only the audit fields of the actor are read.
 */
const asBookingScope = (scope: TenantScope): Scope => scope as unknown as Scope;

/** Refusals that mean the slot itself is gone (someone booked or holds it): no other entry can have it either. */
function slotTaken(err: unknown): boolean {
  const mapped = err instanceof DomainError ? err : exclusionError(err);
  return !!mapped && ['SLOT_UNAVAILABLE', 'RESOURCE_UNAVAILABLE', 'CONFLICT'].includes(mapped.code);
}

/**
 * The offer engine: gives a freed slot to the first matching active entry in
 * order of joining, inside the caller's tenant transaction — the hold (kind
 * `offer`, for the hospital's waitlistOfferMinutes), the offer row, the
 * email/SMS job (its id derived from the offer: a redelivered run sends
 * nothing twice), the `waitlist.offered` webhook event and the audit event
 * commit together or not at all.
 *
 * Two runs for one slot never both offer it: each locks its candidate entry
 * FOR UPDATE SKIP LOCKED, and the hold goes through the appointments'
 * exclusion constraint, so the second hold waits for the first transaction
 * and then fails (23P01): the run ends without an offer. No timing involved.
 */
export async function offerSlot(scope: TenantScope<ScopeActor>, slot: FreedSlot, deps: OfferDeps): Promise<WaitlistOfferRow | null> {
  const now = (deps.now ?? (() => new Date()))();
  if (slot.start.getTime() <= now.getTime()) return null;
  const hospital = await findHospital(scope);
  if (!hospital) return null;
  const passedOver: string[] = [];
  for (let i = 0; i < MAX_CANDIDATES; i++) {
    const entry = await lockNextEntry(scope, slot, hospital.timezone, passedOver);
    if (!entry) return null;
    // Never past the visit's start: an offer answered after it began would book the past.
    const expiresAt = new Date(Math.min(now.getTime() + hospital.waitlistOfferMinutes * MINUTE_MS, slot.start.getTime()));
    const visitTypeId = entry.visitTypeId ?? slot.visitTypeId;
    let hold: { id: string; start: string; end: string };
    try {
      // placeHold works in a savepoint: a refused hold undoes only itself, and the next entry may still take the slot.
      hold = await createHoldCore({ now: () => now }).placeHold(asBookingScope(scope), {
        doctorId: slot.doctorId,
        ...(visitTypeId ? { visitTypeId } : {}),
        start: slot.start.toISOString(),
        expiresAt,
        kind: 'offer',
      });
    } catch (err) {
      if (slotTaken(err)) return null;
      if (!(err instanceof DomainError)) throw err;
      // This entry's visit type does not fit the slot (not offered, too long for the hours, ...): the next entry may.
      deps.logger?.debug({ entryId: entry.id, code: err.code }, 'waitlist entry passed over for a freed slot');
      passedOver.push(entry.id);
      continue;
    }
    const offer = await insertOffer(scope, {
      id: randomUUID(),
      entryId: entry.id,
      holdAppointmentId: hold.id,
      doctorId: slot.doctorId,
      visitTypeId,
      startsAt: new Date(hold.start),
      endsAt: new Date(hold.end),
      expiresAt,
    });
    await sendOffer(scope, offer, entry, hospital, deps);
    await emitWebhookEvent(
      scope,
      'waitlist.offered',
      {
        id: offer.id,
        version: 1,
        entryId: entry.id,
        patientId: entry.patientId,
        doctorId: offer.doctorId,
        visitTypeId: offer.visitTypeId,
        start: offer.startsAt.toISOString(),
        end: offer.endsAt.toISOString(),
        expiresAt: offer.expiresAt.toISOString(),
      },
      now,
    );
    await recordAudit(scope, {
      action: 'waitlist.offered',
      entityType: 'waitlist_offer',
      entityId: offer.id,
      changes: ['status'],
      metadata: { entryId: entry.id, holdId: hold.id, start: hold.start, expiresAt: expiresAt.toISOString() },
    });
    return offer;
  }
  return null;
}

/** The offer's one email or SMS, in the patient's channel and language; a job id derived from the offer makes a second enqueue add nothing. */
async function sendOffer(
  scope: TenantScope,
  offer: WaitlistOfferRow,
  entry: WaitlistEntryRow,
  hospital: { name: string; timezone: string; defaultLanguage: string },
  deps: OfferDeps,
): Promise<void> {
  const patient = await findPatient(scope, entry.patientId);
  if (!patient) return;
  const doctor = await findDoctor(scope, offer.doctorId);
  const type = offer.visitTypeId ? await findVisitType(scope, offer.visitTypeId) : null;
  const recipient = {
    key: `patient:${patient.id}`,
    channel: patient.notificationChannel,
    email: patient.email,
    phone: patient.phone,
  };
  const smsEnabled = recipient.channel === 'sms' && (await findSubscription(scope))?.plan.smsEnabled === true;
  const decision = decideChannel({ ...recipient, template: 'waitlist_offer', data: {} }, smsEnabled);
  if ('skip' in decision) {
    await addDeliveryLine(scope.tx, {
      messageId: derivedId(`waitlist-offer/${offer.id}/${decision.channel}`),
      channel: decision.channel,
      hospitalId: scope.hospitalId,
      recipient: decision.to,
      template: 'waitlist_offer',
      skipped: decision.skip,
      patientId: patient.id,
    });
    return;
  }
  await enqueueJob(scope, {
    id: derivedId(`waitlist-offer/${offer.id}/${decision.send}`),
    channel: decision.send,
    template: 'waitlist_offer',
    to: decision.to,
    patientId: patient.id,
    data: {
      hospitalName: hospital.name,
      timezone: hospital.timezone,
      start: offer.startsAt.toISOString(),
      end: offer.endsAt.toISOString(),
      patientName: patient.name,
      ...(doctor ? { doctorName: doctor.name } : {}),
      ...(type ? { visitTypeName: type.name } : {}),
      offerUrl: offerUrl(deps, offer),
      expiresAt: offer.expiresAt.toISOString(),
      // The patient's language, else the hospital's default (as every patient message).
      language: patient.language ?? hospital.defaultLanguage,
    },
  });
}

/**
 * Ends a pending offer without a booking (declined, expired, or withdrawn
 * with its entry): the hold is released and the slot goes back to the
 * waitlist through the outbox, in the caller's transaction. False when the
 * offer was no longer pending (accepted or settled by someone else first).
 */
export async function withdrawOffer(scope: TenantScope<ScopeActor>, offer: WaitlistOfferRow, status: 'declined' | 'expired'): Promise<boolean> {
  const settled = await settleOffer(scope, offer.id, status);
  if (!settled) return false;
  // Deleted if still held: an expired hold may already be gone (every booking writer sweeps expired holds in its way).
  await deleteHeld(scope, offer.holdAppointmentId);
  await enqueue(scope.tx, slotFreedMessage(scope.hospitalId, { doctorId: offer.doctorId, visitTypeId: offer.visitTypeId, start: offer.startsAt, end: offer.endsAt }));
  await recordAudit(scope, { action: `waitlist.offer_${status}`, entityType: 'waitlist_offer', entityId: offer.id, changes: ['status'], metadata: { entryId: offer.entryId } });
  return true;
}
