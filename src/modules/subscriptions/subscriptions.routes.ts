import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf, tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ListEnvelope, ok, page } from '../../http/envelope.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
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
} from './subscriptions.schemas.ts';
import type { SubscriptionService } from './subscriptions.service.ts';
import { planView } from './subscriptions.views.ts';

export async function subscriptionRoutes(
  fastify: FastifyInstance,
  { plans, subscriptions }: { plans: PlanService; subscriptions: SubscriptionService },
) {
  const app = typedRoutes(fastify, 'subscriptions');

  // ---- public ----
  app.get(
    '/v1/plans',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'listPlans',
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
        operationId: 'getMySubscription',
        summary: "The hospital's subscription, plan limits and current usage",
        response: { 200: Envelope(Subscription), ...errorResponses(404) },
      },
    },
    async (request) => ok(await subscriptions.get(tenantActorOf(request).hospitalId)),
  );

  app.post(
    '/v1/hospitals/me/subscription',
    {
      config: { permission: 'subscription.change' },
      schema: {
        operationId: 'changeMyPlan',
        summary: 'Change plan (owner); refused with PLAN_LIMIT_REACHED when usage exceeds the new plan',
        body: ChangePlanBody,
        response: { 200: Envelope(Subscription), ...errorResponses(404) },
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
        operationId: 'listAllPlans',
        summary: 'Every plan, including retired ones',
        response: { 200: Envelope(Type.Array(Plan)) },
      },
    },
    async () => ok((await plans.listAll()).map(planView)),
  );

  app.post(
    '/v1/admin/plans',
    {
      config: { auth: 'platform-admin' },
      schema: {
        operationId: 'createPlan',
        summary: 'Create a plan',
        body: CreatePlanBody,
        response: { 201: Envelope(Plan), ...errorResponses(409) },
      },
    },
    async (request, reply) => reply.status(201).send(ok(planView(await plans.create(actorOf(request), request.body)), 'Plan created')),
  );

  app.patch(
    '/v1/admin/plans/:id',
    {
      config: { auth: 'platform-admin' },
      schema: {
        operationId: 'updatePlan',
        summary: 'Change a plan (price, limits, active, default)',
        params: IdParams,
        body: UpdatePlanBody,
        response: { 200: Envelope(Plan), ...errorResponses(409) },
      },
    },
    async (request) => ok(planView(await plans.update(actorOf(request), request.params.id, request.body)), 'Plan updated'),
  );

  app.get(
    '/v1/admin/hospitals',
    {
      config: { auth: 'platform-admin' },
      schema: {
        operationId: 'listAdminHospitals',
        summary: 'Hospitals with their subscription and usage (newest first)',
        querystring: PageQuery,
        response: { 200: ListEnvelope(AdminHospital) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await subscriptions.adminListHospitals(request.query);
      return page(items, nextCursor);
    },
  );

  app.put(
    '/v1/admin/hospitals/:id/subscription',
    {
      config: { auth: 'platform-admin' },
      schema: {
        operationId: 'setHospitalSubscription',
        summary: "Set a hospital's plan, status and period end",
        params: IdParams,
        body: AdminSetSubscriptionBody,
        response: { 200: Envelope(Subscription) },
      },
    },
    async (request) =>
      ok(await subscriptions.adminSetSubscription(actorOf(request), request.params.id, request.body), 'Subscription updated'),
  );
}
