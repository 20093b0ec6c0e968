import type { FastifyInstance } from 'fastify';
import { Envelope, errorResponses, ok } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import type { AppointmentRecord } from '../appointments/booking-core.ts';
import { BookedAppointment, CreateHoldBody, Hold, HoldCodeSent, HoldConfirmBody, HoldContactBody, HoldParams, PublicHoldParams } from './holds.schemas.ts';
import type { PublicHoldService } from './public-holds.service.ts';

/** The patient's view of the appointment a hold became: no other patient data. */
const bookedView = (row: AppointmentRecord) => ({
  id: row.id,
  doctorId: row.doctorId,
  visitTypeId: row.visitTypeId,
  start: row.startsAt.toISOString(),
  end: row.endsAt.toISOString(),
  status: 'scheduled' as const,
});

/** Public booking (SPEC section 15): hold a slot, give a contact, confirm with the code. Rate limited per IP (public bucket) and per contact. */
export async function holdRoutes(fastify: FastifyInstance, { service }: { service: PublicHoldService }) {
  const app = typedRoutes(fastify, 'appointments');

  app.post(
    '/v1/public/hospitals/:subdomain/holds',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'createPublicHold',
        summary: 'Hold a slot for HOLD_MINUTES (a visit type bookable online, or a doctor): the slot and its resources are taken as by a booking',
        description: 'Only inside the booking horizon and minimum notice. 409 SLOT_UNAVAILABLE or RESOURCE_UNAVAILABLE when taken; an expired hold frees the slot by itself.',
        params: PublicHoldParams,
        body: CreateHoldBody,
        response: { 201: Envelope(Hold), ...errorResponses(409, 422) },
      },
    },
    async (request, reply) => {
      const held = await service.place({ subdomain: request.params.subdomain, requestId: request.id }, request.body);
      const { id, expiresAt, start, end, doctorId, visitTypeId } = held;
      return reply.status(201).send(ok({ id, expiresAt, start, end, doctorId, visitTypeId }, 'Slot held'));
    },
  );

  app.post(
    '/v1/public/holds/:id/contact',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'giveHoldContact',
        summary: 'Give a name and an email or phone for a hold: a 6-digit code goes there',
        description:
          'Same rules as the other one-time codes: OTP_TTL_SECONDS, OTP_MAX_ATTEMPTS wrong guesses burn it, at most OTP_REQUEST_MAX per OTP_REQUEST_WINDOW_SECONDS per hold and per address (429). 410 HOLD_EXPIRED.',
        params: HoldParams,
        body: HoldContactBody,
        response: { 202: Envelope(HoldCodeSent), ...errorResponses(409, 410, 429) },
      },
    },
    async (request, reply) => {
      const sent = await service.contact({ holdId: request.params.id, requestId: request.id }, request.body);
      return reply.status(202).send(ok(sent, `A code has been sent by ${sent.channel}`));
    },
  );

  app.post(
    '/v1/public/holds/:id/confirm',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'confirmHold',
        summary: 'Confirm a hold with the code: the slot is booked for the patient with that verified email or phone (created if new)',
        description: '410 HOLD_EXPIRED once the hold expired; 409 HOLD_CONFIRMED for a second confirm (never a second appointment); 403 PLAN_LIMIT_REACHED with the numbers. Once a code was right, the contact stays verified for this hold: a confirm refused after it (a plan limit) can be repeated without a new code.',
        params: HoldParams,
        body: HoldConfirmBody,
        response: { 201: Envelope(BookedAppointment), ...errorResponses(403, 409, 410, 422, 428) },
      },
    },
    async (request, reply) => reply.status(201).send(ok(bookedView(await service.confirm({ holdId: request.params.id, requestId: request.id }, request.body.code)), 'Appointment booked')),
  );
}
