// Public side of waitlist offers: the page behind an offer link, accepting (booking or moving a later visit) and declining.
import type { Db } from '../../infra/db/client.ts';
import type { SignedTokens } from '../../infra/crypto/signed-token.ts';
import { TenantScope, withTenant } from '../../infra/db/tenant.ts';
import { notFound } from '../../shared/errors.ts';
import { patientActor, recordAudit } from '../audit/audit.repo.ts';
import type { AppointmentService } from '../appointments/appointments.service.ts';
import { bookingWrite } from '../appointments/booking-conflicts.ts';
import { findAppointment } from '../appointments/appointments.repo.ts';
import { findDoctor } from '../doctors/doctors.repo.ts';
import { findHospital } from '../hospitals/hospitals.repo.ts';
import { createHoldCore } from '../holds/holds.service.ts';
import { deleteHeld } from '../holds/holds.repo.ts';
import type { Scope } from '../appointments/booking-core.ts';
import { findVisitType } from '../visit-types/visit-types.repo.ts';
import { OFFER_TOKEN_PURPOSE, withdrawOffer, type OfferTokenPayload } from './offer-engine.ts';
import { findEntry, findOffer, laterAppointmentOf, setEntryStatus, settleOffer, type WaitlistOfferRow } from './waitlist.repo.ts';
import type { PublicOfferView } from './waitlist.schemas.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const offerNotFound = () => notFound('Offer');

export interface OfferServiceDeps {
  db: Db;
  tokens: SignedTokens;
  appointments: Pick<AppointmentService, 'rescheduleWithin'>;
  now?: () => Date;
}

/**
 * An offer link's token: signed for purpose `waitlist-offer`, expiring with
 * the offer. A tampered, foreign, expired or already answered token is one
 * and the same 404 (no oracle for which offers exist or were taken).
 */
export function createOfferService({ db, tokens, appointments, now = () => new Date() }: OfferServiceDeps) {
  const holds = createHoldCore({ now });
  function open(token: string): OfferTokenPayload {
    const payload = tokens.verify<OfferTokenPayload>(OFFER_TOKEN_PURPOSE, token);
    if (!payload || typeof payload.o !== 'string' || typeof payload.h !== 'string' || !UUID.test(payload.o) || !UUID.test(payload.h)) throw offerNotFound();
    return payload;
  }

  const livePending = (offer: WaitlistOfferRow | null): WaitlistOfferRow => {
    if (!offer || offer.status !== 'pending' || offer.expiresAt.getTime() <= now().getTime()) throw offerNotFound();
    return offer;
  };

  return {
    /** What is offered, for the offer page: the slot, the hospital, doctor and visit type — nothing about the patient. */
    async get(token: string): Promise<PublicOfferView> {
      const { o, h } = open(token);
      return withTenant(db, h, async (scope) => {
        const offer = await findOffer(scope, o);
        if (!offer) throw offerNotFound();
        const hospital = (await findHospital(scope))!;
        const doctor = await findDoctor(scope, offer.doctorId);
        const type = offer.visitTypeId ? await findVisitType(scope, offer.visitTypeId) : null;
        return {
          status: offer.status === 'pending' && offer.expiresAt.getTime() <= now().getTime() ? 'expired' : offer.status,
          start: offer.startsAt.toISOString(),
          end: offer.endsAt.toISOString(),
          expiresAt: offer.expiresAt.toISOString(),
          hospitalName: hospital.name,
          timezone: hospital.timezone,
          doctorName: doctor?.name ?? '',
          visitTypeName: type?.name ?? null,
          appointmentId: offer.appointmentId,
        };
      });
    },

    /**
     * Books the offered slot for the entry's patient in one transaction: the
     * hold becomes their appointment (confirmation, reminders, webhook as for
     * any booking) — or, when they already have a later scheduled visit of the
     * same type (same doctor when untyped), the hold is released and that
     * visit moves into the slot (its old time then goes to the waitlist).
     */
    async accept(token: string, requestId: string): Promise<{ appointmentId: string; moved: boolean }> {
      const { o, h } = open(token);
      return bookingWrite(() =>
        withTenant(db, h, async (base) => {
          const offer = livePending(await findOffer(base, o, { lock: true }));
          const entry = await findEntry(base, offer.entryId, { lock: true });
          if (!entry || entry.status !== 'active') throw offerNotFound();
          // The patient acts (the audit log says so); the booking core reads only the actor's audit fields.
          const scope = new TenantScope(base.tx, h, patientActor(h, entry.patientId, requestId)) as unknown as Scope;
          const later = await laterAppointmentOf(scope, entry.patientId, offer);
          let appointmentId: string;
          if (later) {
            await deleteHeld(scope, offer.holdAppointmentId);
            const current = (await findAppointment(scope, later.id, { lock: 'update' }))!;
            await appointments.rescheduleWithin(scope, current, offer.startsAt);
            appointmentId = later.id;
          } else {
            appointmentId = (await holds.convertHold(scope, offer.holdAppointmentId, { patientId: entry.patientId })).id;
          }
          await settleOffer(scope, offer.id, 'accepted', appointmentId);
          await setEntryStatus(scope, entry.id, 'booked');
          await recordAudit(scope, {
            action: 'waitlist.offer_accepted',
            entityType: 'waitlist_offer',
            entityId: offer.id,
            changes: ['status'],
            metadata: { entryId: entry.id, appointmentId, moved: !!later },
          });
          return { appointmentId, moved: !!later };
        }),
      );
    },

    /** Declining releases the hold and passes the slot to the next entry (through the outbox). */
    async decline(token: string, requestId: string): Promise<void> {
      const { o, h } = open(token);
      await withTenant(db, h, async (base) => {
        const offer = livePending(await findOffer(base, o, { lock: true }));
        const entry = await findEntry(base, offer.entryId);
        const scope = new TenantScope(base.tx, h, patientActor(h, entry!.patientId, requestId));
        if (!(await withdrawOffer(scope, offer, 'declined'))) throw offerNotFound();
      });
    },
  };
}

export type OfferService = ReturnType<typeof createOfferService>;
