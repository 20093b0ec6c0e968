import type { FastifyInstance } from 'fastify';
import { actorOf, tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ListEnvelope, ok, page } from '../../http/envelope.ts';
import { IdParams } from '../../http/schemas.ts';
import { typedRoutes } from '../../http/route-defaults.ts';
import {
  AcceptInvitationBody,
  CreateInvitationBody,
  Invitation,
  InvitationsQuery,
  Member,
  MemberParams,
  MembersQuery,
} from './members.schemas.ts';
import type { MemberService } from './members.service.ts';

export async function memberRoutes(fastify: FastifyInstance, { service }: { service: MemberService }) {
  const app = typedRoutes(fastify, 'members');

  app.get(
    '/v1/hospitals/me/members',
    {
      config: { permission: 'members.read' },
      schema: { operationId: 'listMembers', summary: "The hospital's members (oldest first)", querystring: MembersQuery, response: { 200: ListEnvelope(Member) } },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request).hospitalId, request.query);
      return page(items, nextCursor);
    },
  );

  app.delete(
    '/v1/hospitals/me/members/:userId',
    {
      config: { permission: 'members.remove' },
      schema: {
        operationId: 'removeMember',
        summary: 'Remove a member (admins cannot remove owners; the last owner stays)',
        params: MemberParams,
        response: { 200: Envelope(Member), ...errorResponses(409) },
      },
    },
    async (request) => ok(await service.remove(tenantActorOf(request), request.params.userId), 'Member removed'),
  );

  app.post(
    '/v1/hospitals/me/invitations',
    {
      config: { permission: 'members.invite' },
      schema: {
        operationId: 'inviteMember',
        summary: 'Invite someone by email with a role (only owners invite owners)',
        body: CreateInvitationBody,
        response: { 201: Envelope(Invitation), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(ok(await service.invite(tenantActorOf(request), request.body), 'Invitation sent')),
  );

  app.get(
    '/v1/hospitals/me/invitations',
    {
      config: { permission: 'members.read' },
      schema: {
        operationId: 'listInvitations',
        summary: 'Invitations, newest first (?status=pending for the open ones)',
        querystring: InvitationsQuery,
        response: { 200: ListEnvelope(Invitation) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.listInvitations(tenantActorOf(request).hospitalId, request.query);
      return page(items, nextCursor);
    },
  );

  app.delete(
    '/v1/hospitals/me/invitations/:id',
    {
      config: { permission: 'members.invite' },
      schema: {
        operationId: 'revokeInvitation',
        summary: 'Withdraw a pending invitation',
        params: IdParams,
        response: { 200: Envelope(Invitation), ...errorResponses(409) },
      },
    },
    async (request) => ok(await service.revokeInvitation(tenantActorOf(request), request.params.id), 'Invitation withdrawn'),
  );

  app.post(
    '/v1/invitations/accept',
    {
      config: { auth: 'user' },
      schema: {
        operationId: 'acceptInvitation',
        summary: "Join a hospital with an invitation's token (the signed-in email must be the invited one)",
        body: AcceptInvitationBody,
        response: { 200: Envelope(Member), ...errorResponses(403, 404, 409, 410) },
      },
    },
    async (request) => ok(await service.accept(actorOf(request), request.body.token), 'Welcome to the hospital'),
  );
}
