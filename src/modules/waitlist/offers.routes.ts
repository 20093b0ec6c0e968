import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { Envelope, errorResponses, ok } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import { Uuid } from '../../http/schemas.ts';
import { ManageParams } from '../manage/manage.schemas.ts';
import { EmptyBody, JoinWaitlistBody, OfferTokenParams, PublicOffer, WaitlistEntry } from './waitlist.schemas.ts';
import type { WaitlistService } from './waitlist.service.ts';
import { sendAdded } from './waitlist.views.ts';
import type { OfferService } from './offers.service.ts';

const AcceptedOffer = Type.Object(
  {
    appointmentId: Uuid,
    moved: Type.Boolean({ description: "true: the patient's later visit of the same type moved into the slot; false: a new appointment" }),
  },
  { $id: 'AcceptedWaitlistOffer' },
);
const DeclinedOffer = Type.Object({ declined: Type.Literal(true) }, { $id: 'DeclinedWaitlistOffer' });

/** The offer link's routes: the token is the only credential; anything wrong with it is the same 404. */
export async function offerRoutes(fastify: FastifyInstance, { service, waitlist }: { service: OfferService; waitlist: WaitlistService }) {
  const app = typedRoutes(fastify, 'waitlist');

  app.post(
    '/v1/public/manage/:token/waitlist',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'joinWaitlistFromManageLink',
        summary: "Join the waitlist from a manage link: wait for an earlier time with the appointment's doctor and visit type",
        description:
          'earliest defaults to today, latest to the day before the appointment (local dates in the hospital zone). A dead link is 404. ' +
          'Idempotent: while the patient already waits for that doctor and visit type over any of those dates, that entry is answered with 200 ' +
          '(GET /v1/public/manage/:token shows it as waitlist); a new entry is 201.',
        params: ManageParams,
        body: JoinWaitlistBody,
        response: { 200: Envelope(WaitlistEntry), 201: Envelope(WaitlistEntry), ...errorResponses(404) },
      },
    },
    async (request, reply) => sendAdded(reply, await waitlist.joinFromManageLink(request.params.token, request.body, request.id)),
  );

  app.get(
    '/v1/public/offers/:token',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'getWaitlistOffer',
        summary: 'What a waitlist offer link offers: the slot, the hospital, doctor and visit type, until when',
        params: OfferTokenParams,
        response: { 200: Envelope(PublicOffer) },
      },
    },
    async (request) => ok(await service.get(request.params.token)),
  );

  app.post(
    '/v1/public/offers/:token/accept',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'acceptWaitlistOffer',
        summary: "Take the offered slot: it is booked for the patient, or their later visit of the same type moves into it",
        description: 'A tampered, expired or already answered offer link is 404.',
        params: OfferTokenParams,
        body: EmptyBody,
        response: { 201: Envelope(AcceptedOffer), ...errorResponses(402, 409, 422) },
      },
    },
    async (request, reply) => reply.status(201).send(ok(await service.accept(request.params.token, request.id), 'Offer accepted')),
  );

  app.post(
    '/v1/public/offers/:token/decline',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'declineWaitlistOffer',
        summary: 'Decline the offer: the slot passes to the next patient on the waitlist',
        params: OfferTokenParams,
        body: EmptyBody,
        response: { 200: Envelope(DeclinedOffer) },
      },
    },
    async (request) => {
      await service.decline(request.params.token, request.id);
      return ok({ declined: true as const }, 'Offer declined');
    },
  );
}
