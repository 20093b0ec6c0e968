import type { FastifyInstance } from 'fastify';
import type { Static, TObject, TSchema } from 'typebox';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import { DoctorParams } from '../doctors/doctors.schemas.ts';
import { Availability, AvailabilityQuery, PublicAvailabilityParams, VisitTypeAvailability, VisitTypeAvailabilityQuery } from './availability.schemas.ts';
import { VisitTypeParams } from '../visit-types/visit-types.schemas.ts';
import { availabilityJson, JSON_CONTENT_TYPE, visitTypeAvailabilityJson } from './availability.json.ts';
import type { AvailabilityService } from './availability.service.ts';

/**
 * One availability answer served twice: to staff under `/v1<path>` (the
 * permission, the actor's hospital) and on the public pages under
 * `/v1/public/hospitals/:subdomain<path>`. The twins share the query, the
 * answer's schema and the handler's shape; they differ in who asks.
 */
interface Twins<Q extends TObject, R> {
  path: string;
  /** `getX` for staff, `getPublicX` for the public pages. */
  operation: string;
  summary: string;
  publicSummary: string;
  params: TObject;
  querystring: Q;
  answer: TSchema;
  errors: number[];
  publicErrors: number[];
  staff(actor: ReturnType<typeof tenantActorOf>, id: string, query: Static<Q>): Promise<R>;
  public(subdomain: string, id: string, query: Static<Q>): Promise<R>;
  /** The answer's bytes, exactly the UTF-8 of what the schema's serializer would write for `ok(result)` (availability.json.ts: the slot lists are most of the work). */
  json(result: R): Buffer;
}

type TwinRequest<Q extends TObject> = { params: { id: string; subdomain: string }; query: Static<Q> };

function twinRoutes<Q extends TObject, R>(app: ReturnType<typeof typedRoutes>, t: Twins<Q, R>) {
  const response = (errors: number[]) => ({ 200: Envelope(t.answer), ...errorResponses(...errors) });
  // The typed answer's bytes (`as never`: the typed reply expects the object). A Buffer skips the schema serializer and fastify's
  // onSend pass over a string (flattening and counting up to 270 kB of text per answer); type and length are the ones a string got.
  const answer = (reply: { type(t: string): { header(k: string, v: number): { send(body: never): void } } }, result: R): void => {
    const body = t.json(result);
    reply.type(JSON_CONTENT_TYPE).header('content-length', body.length).send(body as never);
  };
  app.get(
    `/v1${t.path}`,
    {
      config: { permission: 'schedules.read' },
      schema: { operationId: `get${t.operation}`, summary: t.summary, params: t.params, querystring: t.querystring, response: response(t.errors) },
    },
    async (request, reply) => {
      const { params, query } = request as unknown as TwinRequest<Q>;
      answer(reply, await t.staff(tenantActorOf(request), params.id, query));
    },
  );
  app.get(
    `/v1/public/hospitals/:subdomain${t.path}`,
    {
      config: { auth: 'public' },
      schema: {
        operationId: `getPublic${t.operation}`,
        summary: t.publicSummary,
        params: PublicAvailabilityParams,
        querystring: t.querystring,
        response: response(t.publicErrors),
      },
    },
    async (request, reply) => {
      const { params, query } = request as unknown as TwinRequest<Q>;
      answer(reply, await t.public(params.subdomain, params.id, query));
    },
  );
}

export async function availabilityRoutes(fastify: FastifyInstance, { service }: { service: AvailabilityService }) {
  const app = typedRoutes(fastify, 'schedules');

  twinRoutes(app, {
    path: '/doctors/:id/availability',
    operation: 'DoctorAvailability',
    summary: 'Bookable slots over up to 31 local days: weekly hours minus time off, appointments (with buffer), the past and the minimum notice',
    publicSummary: "A doctor's bookable slots on the hospital's public pages (stops at the booking horizon)",
    params: DoctorParams,
    querystring: AvailabilityQuery,
    answer: Availability,
    errors: [422],
    publicErrors: [422],
    staff: service.forDoctor,
    public: service.forPublic,
    json: availabilityJson,
  });

  twinRoutes(app, {
    path: '/visit-types/:id/availability',
    operation: 'VisitTypeAvailability',
    summary: 'Slots of a visit type over up to 31 local days, across every active doctor offering it, where its required resources are free',
    publicSummary: "Slots of a bookable-online visit type on the hospital's public pages (stops at the booking horizon)",
    params: VisitTypeParams,
    querystring: VisitTypeAvailabilityQuery,
    answer: VisitTypeAvailability,
    errors: [422],
    // The public pages see an inactive type as absent (404), so no 422 of its own.
    publicErrors: [],
    staff: service.forVisitType,
    public: service.forPublicVisitType,
    json: visitTypeAvailabilityJson,
  });
}
