import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { TokenVerifier, AuthUser } from '../infra/auth/verifier.ts';
import type { Db } from '../infra/db/client.ts';
import type { MemberRole } from '../infra/db/schema/members.ts';
import { findIdentity } from '../modules/members/members.repo.ts';
import { DomainError, forbidden, unauthorized } from '../shared/errors.ts';
import { can, type Permission } from './permissions.ts';

/**
 * Who may call a route:
 * - public: anyone, no token read;
 * - user: any signed-in user, with or without a hospital (registration, accepting invitations);
 * - tenant: a member of a hospital (the default: a route that forgets to say is closed);
 * - platform-admin: an operator listed in platform_admins.
 */
export type AuthMode = 'public' | 'user' | 'tenant' | 'platform-admin';

export interface RequestAuth {
  user: AuthUser;
  hospitalId: string | null;
  role: MemberRole | null;
  doctorId: string | null;
  isPlatformAdmin: boolean;
}

/** What a tenant route handler gets: the hospital is known. */
export interface TenantAuth extends RequestAuth {
  hospitalId: string;
  role: MemberRole;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthMode;
    permission?: Permission;
  }
  interface FastifyRequest {
    auth: RequestAuth | null;
  }
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw unauthorized('The Authorization header must be "Bearer <token>"');
  return match[1]!;
}

export const authPlugin = fp(
  async (app: FastifyInstance, opts: { verifier: TokenVerifier; db: Db }) => {
    app.decorateRequest('auth', null);
    app.addHook('onRequest', async (request) => {
      const mode: AuthMode = request.routeOptions.config?.auth ?? 'tenant';
      if (mode === 'public' || !request.routeOptions.url) return;
      const token = bearerToken(request);
      if (!token) throw unauthorized();
      const user = await opts.verifier.verify(token);
      const identity = await findIdentity(opts.db, user.id);
      request.auth = { user, ...identity };
      if (mode === 'platform-admin') {
        if (!identity.isPlatformAdmin) throw forbidden('This route is for platform operators');
        return;
      }
      if (mode === 'tenant') {
        if (!identity.hospitalId || !identity.role) {
          throw new DomainError('FORBIDDEN', 'You are not a member of a hospital yet; register one or accept an invitation');
        }
        const permission = request.routeOptions.config?.permission;
        if (permission && !can(identity.role, permission)) throw forbidden();
      }
    });
  },
  { name: 'tempus-auth' },
);

/** Narrows request.auth on tenant routes (the hook has already refused others). */
export function tenantOf(request: FastifyRequest): TenantAuth {
  const auth = request.auth;
  if (!auth?.hospitalId || !auth.role) throw unauthorized();
  return auth as TenantAuth;
}

export function userOf(request: FastifyRequest): RequestAuth {
  if (!request.auth) throw unauthorized();
  return request.auth;
}
