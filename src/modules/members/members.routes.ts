import type { FastifyInstance } from 'fastify';
import { actorOf, tenantActorOf } from '../../http/actor.ts';
import { Envelope, errorResponses, ListEnvelope, ok, page } from '../../http/envelope.ts';
import {
  AcceptInvitationBody,
  CreateInvitationBody,
  Invitation,
  InvitationParams,
  InvitationsQuery,
  Member,
  MemberParams,
  MembersQuery,
  type AcceptInvitationInput,
  type CreateInvitationInput,
  type InvitationsQueryInput,
  type MembersQueryInput,
} from './members.schemas.ts';
import type { MemberService } from './members.service.ts';

const bearer = [{ bearer: [] }];

export async function memberRoutes(app: FastifyInstance, { service }: { service: MemberService }) {
  app.get<{ Querystring: MembersQueryInput }>(
    '/v1/hospitals/me/members',
    {
      config: { permission: 'members.read' },
      schema: {
        tags: ['members'],
        summary: "The hospital's members (oldest first)",
        security: bearer,
        querystring: MembersQuery,
        response: { 200: ListEnvelope(Member), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.list(tenantActorOf(request).hospitalId, request.query);
      return page(items, nextCursor);
    },
  );

  app.delete<{ Params: { userId: string } }>(
    '/v1/hospitals/me/members/:userId',
    {
      config: { permission: 'members.remove' },
      schema: {
        tags: ['members'],
        summary: 'Remove a member (admins cannot remove owners; the last owner stays)',
        security: bearer,
        params: MemberParams,
        response: { 200: Envelope(Member), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ok(await service.remove(tenantActorOf(request), request.params.userId), 'Member removed'),
  );

  app.post<{ Body: CreateInvitationInput }>(
    '/v1/hospitals/me/invitations',
    {
      config: { permission: 'members.invite' },
      schema: {
        tags: ['members'],
        summary: 'Invite someone by email with a role (only owners invite owners)',
        security: bearer,
        body: CreateInvitationBody,
        response: { 201: Envelope(Invitation), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(ok(await service.invite(tenantActorOf(request), request.body), 'Invitation sent')),
  );

  app.get<{ Querystring: InvitationsQueryInput }>(
    '/v1/hospitals/me/invitations',
    {
      config: { permission: 'members.read' },
      schema: {
        tags: ['members'],
        summary: 'Invitations, newest first (?status=pending for the open ones)',
        security: bearer,
        querystring: InvitationsQuery,
        response: { 200: ListEnvelope(Invitation), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { items, nextCursor } = await service.listInvitations(tenantActorOf(request).hospitalId, request.query);
      return page(items, nextCursor);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/hospitals/me/invitations/:id',
    {
      config: { permission: 'members.invite' },
      schema: {
        tags: ['members'],
        summary: 'Withdraw a pending invitation',
        security: bearer,
        params: InvitationParams,
        response: { 200: Envelope(Invitation), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ok(await service.revokeInvitation(tenantActorOf(request), request.params.id), 'Invitation withdrawn'),
  );

  app.post<{ Body: AcceptInvitationInput }>(
    '/v1/invitations/accept',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['members'],
        summary: "Join a hospital with an invitation's token (the signed-in email must be the invited one)",
        security: bearer,
        body: AcceptInvitationBody,
        response: { 200: Envelope(Member), ...errorResponses(400, 401, 403, 404, 409, 410) },
      },
    },
    async (request) => ok(await service.accept(actorOf(request), request.body.token), 'Welcome to the hospital'),
  );
}
