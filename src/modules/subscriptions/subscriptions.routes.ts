import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf, tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ListEnvelope, ok, page } from '../../http/envelope.ts';
import type { PlanService } from './plans.service.ts';
import {
  AdminHospital,
  AdminSetSubscriptionBody,
  ChangePlanBody,
  CreatePlanBody,
  IdParams,
  PageQuery,
  Plan,
  Subscription,
  UpdatePlanBody,
  type AdminSetSubscriptionInput,
  type ChangePlanInput,
  type CreatePlanInput,
  type PageQueryInput,
  type UpdatePlanInput,
} from './subscriptions.schemas.ts';
import type { SubscriptionService } from './subscriptions.service.ts';
import { planView } from './subscriptions.views.ts';

const bearer = [{ bearer: [] }];

export async function subscriptionRoutes(
  app: FastifyInstance,
  { plans, subscriptions }: { plans: PlanService; subscriptions: SubscriptionService },
) {
  // ---- public ----
  app.get(
    '/v1/plans',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['subscriptions'],
        summary: 'Active subscription plans (cached)',
        response: { 200: Envelope(Type.Array(Plan)) },
      },
    },
    async () => ok(await plans.listPublic()),
  );

  // ---- the caller's hospital ----
  app.get(
    '/v1/hospitals/me/subscription',
    {
      config: { permission: 'subscription.read' },
      schema: {
        tags: ['subscriptions'],
        summary: "The hospital's subscription, plan limits and current usage",
        security: bearer,
        response: { 200: Envelope(Subscription), ...errorResponses(401, 403) },
      },
    },
    async (request) => ok(await subscriptions.get(tenantActorOf(request).hospitalId)),
  );

  app.post<{ Body: ChangePlanInput }>(
    '/v1/hospitals/me/subscription',
    {
      config: { permission: 'subscription.change' },
      schema: {
        tags: ['subscriptions'],
        summary: 'Change plan (owner); refused with PLAN_LIMIT_REACHED when usage exceeds the new plan',
        security: bearer,
        body: ChangePlanBody,
        response: { 200: Envelope(Subscription), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ok(await subscriptions.changePlan(tenantActorOf(request), request.body), 'Subscription updated'),
  );

  // ---- platform operators ----
  app.get(
    '/v1/admin/plans',
    {
      config: { auth: 'platform-admin' },
      schema: {
        tags: ['admin'],
        summary: 'Every plan, including retired ones',
        security: bearer,
        response: { 200: Envelope(Type.Array(Plan)), ...errorResponses(401, 403) },
      },
    },
    async () => ok((await plans.listAll()).map(planView)),
  );

  app.post<{ Body: CreatePlanInput }>(
    '/v1/admin/plans',
    {
      config: { auth: 'platform-admin' },
      schema: {
        tags: ['admin'],
        summary: 'Create a plan',
        security: bearer,
        body: CreatePlanBody,
        response: { 201: Envelope(Plan), ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.status(201).send(ok(planView(await plans.create(actorOf(request), request.body)), 'Plan created')),
  );

  app.patch<{ Params: { id: string }; Body: UpdatePlanInput }>(
    '/v1/admin/plans/:id',
    {
      config: { auth: 'platform-admin' },
      schema: {
        tags: ['admin'],
        summary: 'Change a plan (price, limits, active, default)',
        security: bearer,
        params: IdParams,
        body: UpdatePlanBody,
        response: { 200: Envelope(Plan), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ok(planView(await plans.update(actorOf(request), request.params.id, request.body)), 'Plan updated'),
  );

  app.get<{ Querystring: PageQueryInput }>(
    '/v1/admin/hospitals',
    {
      config: { auth: 'platform-admin' },
      schema: {
        tags: ['admin'],
        summary: 'Hospitals with their subscription and usage (newest first)',
        security: bearer,
        querystring: PageQuery,
        response: { 200: ListEnvelope(AdminHospital), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await subscriptions.adminListHospitals(request.query);
      return page(items, nextCursor);
    },
  );

  app.put<{ Params: { id: string }; Body: AdminSetSubscriptionInput }>(
    '/v1/admin/hospitals/:id/subscription',
    {
      config: { auth: 'platform-admin' },
      schema: {
        tags: ['admin'],
        summary: "Set a hospital's plan, status and period end",
        security: bearer,
        params: IdParams,
        body: AdminSetSubscriptionBody,
        response: { 200: Envelope(Subscription), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      ok(await subscriptions.adminSetSubscription(actorOf(request), request.params.id, request.body), 'Subscription updated'),
  );
}
