// Public booking (SPEC section 15): a visitor holds a slot, proves an email address or phone number with a code, and
// the hold becomes their appointment. The hold primitive (holds.service.ts) does the booking work.
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { CacheStore } from '../../infra/cache/store.ts';
import type { Db } from '../../infra/db/client.ts';
import { appointmentHolds } from '../../infra/db/schema/holds.ts';
import { TenantScope, withTenant } from '../../infra/db/tenant.ts';
import { windowScript } from '../../http/rate-limit.ts';
import { DomainError, notFound, validation } from '../../shared/errors.ts';
import { canonicalLanguageTag } from '../../shared/language.ts';
import { recordAudit } from '../audit/audit.repo.ts';
import { patientAppointmentActor, type VisitorAppointmentActor } from '../appointments/appointments.service.ts';
import { bookingWrite, type AppointmentRecord } from '../appointments/booking-core.ts';
import { findHospital, findHospitalBySubdomain } from '../hospitals/hospitals.repo.ts';
import { enqueueJob } from '../notifications/jobs.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';
import type { OtpService } from '../otp/otp.service.ts';
import { insertPatient } from '../patients/patients.repo.ts';
import { createHoldCore, type HoldView } from './holds.service.ts';
import { findHold, findPatientByContact, isBookableOnline } from './holds.repo.ts';

const PURPOSE = 'booking.confirm' as const;

export interface PublicHoldServiceDeps {
  db: Db;
  otp: OtpService;
  /** Per-contact limits of code requests (the shared store of the rate limits and codes). */
  store: CacheStore;
  /** HOLD_MINUTES. */
  holdMinutes: number;
  now?: () => Date;
}

export interface PlacePublicHoldInput {
  doctorId?: string;
  visitTypeId?: string;
  start: string;
}

export interface ContactInput {
  name: string;
  email?: string;
  phone?: string;
  language?: string;
}

const visitor = (hospitalId: string, requestId: string): VisitorAppointmentActor => ({ hospitalId, requestId, userId: null, role: 'visitor', doctorId: null });
const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

export function createPublicHoldService({ db, otp, store, holdMinutes, now = () => new Date() }: PublicHoldServiceDeps) {
  const holds = createHoldCore({ now });

  async function hospitalOf(subdomain: string) {
    const hospital = await findHospitalBySubdomain(db, subdomain.toLowerCase());
    if (!hospital) throw notFound('Hospital');
    return hospital;
  }

  /** The hospital a hold belongs to, found from the hold's id alone (the id is the visitor's handle; 404 for any other). */
  async function hospitalOfHold(holdId: string): Promise<string> {
    const [row] = await db.select({ hospitalId: appointmentHolds.hospitalId }).from(appointmentHolds).where(eq(appointmentHolds.appointmentId, holdId)).limit(1);
    if (!row) throw notFound('Hold');
    return row.hospitalId;
  }

  /** Per contact address and hospital: as many code requests as OTP_REQUEST_MAX allows per OTP_REQUEST_WINDOW_SECONDS. */
  async function throttleContact(hospitalId: string, address: string): Promise<void> {
    const { requestMax, requestWindowSeconds } = otp.settings;
    const { count, ttlMs } = await store.run(windowScript, [`holds:contact:{${hospitalId}}:${digest(address.toLowerCase())}`], [requestWindowSeconds * 1000]);
    if (count > requestMax) {
      const retryAfterSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
      throw new DomainError('RATE_LIMITED', `Too many codes sent to this address; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
  }

  /** A patient from a hold's verified contact (their language when given), as the patients module records a new one. */
  async function createPatient(scope: TenantScope<VisitorAppointmentActor>, hold: { contactName: string | null; contactEmail: string | null; contactPhone: string | null; language: string | null }, requestId: string) {
    const row = await insertPatient(scope, {
      name: hold.contactName ?? 'Patient',
      email: hold.contactEmail,
      phone: hold.contactPhone,
      notificationChannel: hold.contactEmail ? 'email' : 'sms',
      ...(hold.language ? { language: hold.language } : {}),
    });
    const asPatient = new TenantScope(scope.tx, scope.hospitalId, patientAppointmentActor(scope.hospitalId, row.id, requestId));
    await recordAudit(asPatient, { action: 'patient.created', entityType: 'patient', entityId: row.id, changes: ['name', hold.contactEmail ? 'email' : 'phone', ...(hold.language ? ['language'] : [])], metadata: { via: 'public_booking' } });
    await emitWebhookEvent(asPatient, 'patient.created', { id: row.id, version: row.version });
    return row.id;
  }

  return {
    /** Holds a slot for HOLD_MINUTES: only visit types bookable online, inside the horizon and the minimum notice (the booking core's checks). */
    async place({ subdomain, requestId }: { subdomain: string; requestId: string }, input: PlacePublicHoldInput): Promise<HoldView & { hospitalId: string }> {
      const hospital = await hospitalOf(subdomain);
      return bookingWrite(() =>
        withTenant(db, visitor(hospital.id, requestId), async (scope) => {
          if (input.visitTypeId && !(await isBookableOnline(scope, input.visitTypeId))) throw notFound('Visit type');
          const expiresAt = new Date(now().getTime() + holdMinutes * 60_000);
          const view = await holds.placeHold(scope, { ...input, expiresAt, kind: 'public' });
          return { ...view, hospitalId: hospital.id };
        }),
      );
    },

    /**
     * Stores the visitor's contact on the hold and sends a 6-digit code to it
     * (email: template `otp`, purpose `booking.confirm`; SMS to a phone). One
     * live code per hold, with the OTP rules of SPEC section 5; limited per
     * contact address too.
     */
    async contact({ holdId, requestId }: { holdId: string; requestId: string }, input: ContactInput): Promise<{ expiresInSeconds: number; channel: 'email' | 'sms' }> {
      if (!input.email === !input.phone) {
        throw validation('Invalid body: give an email or a phone, one of them', { fields: [{ field: 'email', in: 'body', message: 'give email or phone' }] });
      }
      const language = input.language === undefined ? null : canonicalLanguageTag(input.language);
      if (input.language !== undefined && !language) {
        throw validation('Invalid body: language must be a BCP 47 tag', { fields: [{ field: 'language', in: 'body', message: 'must be a BCP 47 tag' }] });
      }
      const hospitalId = await hospitalOfHold(holdId);
      const email = input.email?.toLowerCase() ?? null;
      const phone = input.phone ?? null;
      return withTenant(db, visitor(hospitalId, requestId), async (scope) => {
        const hold = await findHold(scope, holdId, { lock: true });
        if (!hold || hold.kind !== 'public') throw notFound('Hold');
        if (hold.status !== 'held') throw new DomainError('HOLD_CONFIRMED', 'The hold is already a booked appointment', { appointmentId: hold.id });
        if (!hold.live) throw new DomainError('HOLD_EXPIRED', 'The hold has expired; the slot is free again');
        await throttleContact(hospitalId, (email ?? phone)!);
        await scope.update(
          appointmentHolds,
          { contactName: input.name, contactEmail: email, contactPhone: phone, language, verifiedAt: null },
          eq(appointmentHolds.appointmentId, holdId),
        );
        const { code, expiresInSeconds } = await otp.issue(hospitalId, PURPOSE, holdId);
        try {
          const hospital = (await findHospital(scope))?.name;
          await enqueueJob(scope, {
            channel: email ? 'email' : 'sms',
            template: 'otp',
            to: (email ?? phone)!,
            data: { code, hospitalName: hospital, purpose: PURPOSE, expiresInMinutes: Math.ceil(expiresInSeconds / 60), ...(language ? { language } : {}) },
          });
          await recordAudit(scope, { action: 'appointment.hold_contact_given', entityType: 'appointment', entityId: holdId, changes: ['contact'], metadata: { channel: email ? 'email' : 'sms' } });
        } catch (err) {
          await otp.revoke(hospitalId, PURPOSE, holdId);
          throw err;
        }
        return { expiresInSeconds, channel: email ? 'email' : 'sms' };
      });
    },

    /**
     * Checks the code and books the held slot for the patient with that
     * verified email or phone in this hospital (created when there is none).
     * 410 HOLD_EXPIRED; a second confirm is 409 HOLD_CONFIRMED, never a second
     * appointment. The audit records the patient as the actor.
     */
    async confirm({ holdId, requestId }: { holdId: string; requestId: string }, code: string): Promise<AppointmentRecord> {
      const hospitalId = await hospitalOfHold(holdId);
      const first = await withTenant(db, visitor(hospitalId, requestId), (scope) => findHold(scope, holdId));
      if (!first || first.kind !== 'public') throw notFound('Hold');
      if (first.status !== 'held') throw new DomainError('HOLD_CONFIRMED', 'The hold is already a booked appointment', { appointmentId: first.id });
      if (!first.live) throw new DomainError('HOLD_EXPIRED', 'The hold has expired; the slot is free again');
      if (!first.contactEmail && !first.contactPhone) {
        throw new DomainError('OTP_REQUIRED', 'Give a contact first: POST /v1/public/holds/:id/contact sends the code');
      }
      if (!first.verifiedAt) {
        await otp.verify(hospitalId, PURPOSE, code, holdId);
        // The code is single-use, but what it proves (this visitor owns this contact) outlives a refused
        // confirm (a plan limit, say): recorded on the hold in its own transaction, so a retry within the
        // hold's life needs no new code. Only if the contact is still the one the code went to: giving a
        // new contact clears verified_at and sends a new code.
        await withTenant(db, visitor(hospitalId, requestId), (scope) =>
          scope.update(
            appointmentHolds,
            { verifiedAt: now() },
            eq(appointmentHolds.appointmentId, holdId),
            sql`${appointmentHolds.contactEmail} is not distinct from ${first.contactEmail}`,
            sql`${appointmentHolds.contactPhone} is not distinct from ${first.contactPhone}`,
          ),
        );
      }
      return bookingWrite(() =>
        withTenant(db, visitor(hospitalId, requestId), async (scope) => {
          const hold = await findHold(scope, holdId, { lock: true });
          if (hold?.status !== 'held') throw new DomainError('HOLD_CONFIRMED', 'The hold is already a booked appointment', { appointmentId: holdId });
          if (!hold.live) throw new DomainError('HOLD_EXPIRED', 'The hold has expired; the slot is free again');
          // The contact changed after the code was checked: the new one is not verified yet.
          if (!hold.verifiedAt) throw new DomainError('OTP_EXPIRED', 'No valid one-time code for the contact now on the hold; request a new one');
          const known = await findPatientByContact(scope, { email: hold.contactEmail, phone: hold.contactPhone });
          const patientId = known ?? (await createPatient(scope, hold, requestId));
          // From here on the patient acts (audit: actor_type patient), as on a manage link.
          const asPatient = new TenantScope(scope.tx, hospitalId, patientAppointmentActor(hospitalId, patientId, requestId));
          const booked = await holds.convertHold(asPatient, holdId, { patientId });
          // The contact now lives on the patient; the hold's copy goes (the details row stays, to answer a second confirm).
          await scope.update(appointmentHolds, { contactName: null, contactEmail: null, contactPhone: null, verifiedAt: new Date() }, eq(appointmentHolds.appointmentId, holdId));
          return booked;
        }),
      );
    },
  };
}

export type PublicHoldService = ReturnType<typeof createPublicHoldService>;
