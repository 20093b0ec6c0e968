import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { decodeJwt } from 'jose';
import type { TokenVerifier, AuthUser } from '../infra/auth/verifier.ts';
import type { Cache } from '../infra/cache/cache-aside.ts';
import { identityCacheKey } from '../infra/cache/keys.ts';
import type { MemberRole } from '../infra/db/schema/members.ts';
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

export interface RequestAuth extends Identity {
  user: AuthUser;
}

/** A signed-in user's membership and operator flag: what the hook looks up per user. */
export interface Identity {
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

export interface AuthPluginOptions {
  verifier: TokenVerifier;
  /** The caller's membership by user id (the members module's lookup, passed in by app.ts); runs outside any tenant, as it is how the tenant is found. */
  lookupIdentity: (userId: string) => Promise<Identity>;
  /**
   * Seconds a successfully verified token is remembered in this process
   * (never past its exp); 0 = verify every time. Saves the signature check on
   * every request of a busy client; a rotated-out signing key stops working
   * after at most this long.
   */
  tokenCacheSeconds?: number;
  clockToleranceSeconds?: number;
  /** Cache members' identities in the shared cache for ttlSeconds (0 = look up every request). See identityCacheKey. */
  identityCache?: { cache: Cache; ttlSeconds: number };
}

const TOKEN_CACHE_MAX = 5_000;

/** Successfully verified tokens, until min(exp + tolerance, now + ttl). Bounded; the oldest entries go first. */
function tokenCache(ttlSeconds: number, toleranceSeconds: number) {
  const entries = new Map<string, { user: AuthUser; until: number }>();
  return {
    get(token: string): AuthUser | null {
      const entry = entries.get(token);
      if (!entry) return null;
      if (entry.until <= Date.now()) {
        entries.delete(token);
        return null;
      }
      return entry.user;
    },
    set(token: string, user: AuthUser) {
      const exp = decodeJwt(token).exp;
      if (typeof exp !== 'number') return;
      if (entries.size >= TOKEN_CACHE_MAX) entries.delete(entries.keys().next().value!);
      entries.set(token, { user, until: Math.min((exp + toleranceSeconds) * 1000, Date.now() + ttlSeconds * 1000) });
    },
  };
}

export const authPlugin = fp(
  async (app: FastifyInstance, opts: AuthPluginOptions) => {
    app.decorateRequest('auth', null);
    const tokens = opts.tokenCacheSeconds ? tokenCache(opts.tokenCacheSeconds, opts.clockToleranceSeconds ?? 0) : null;
    const verify = async (token: string): Promise<AuthUser> => {
      const known = tokens?.get(token);
      if (known) return known;
      const user = await opts.verifier.verify(token);
      tokens?.set(token, user);
      return user;
    };
    const identityCache = opts.identityCache?.ttlSeconds ? opts.identityCache : null;
    // Only memberships are cached: a user who has none yet (about to register
    // or accept an invitation) is looked up every time, so gaining one shows at once.
    const identityOf = async (userId: string): Promise<Identity> => {
      if (!identityCache) return opts.lookupIdentity(userId);
      let found: Identity | null = null;
      const cached = await identityCache.cache.getOrLoad(
        identityCacheKey(userId),
        identityCache.ttlSeconds,
        async () => {
          found = await opts.lookupIdentity(userId);
          return found.hospitalId ? found : null;
        },
        { inProcess: true },
      );
      return cached ?? found ?? opts.lookupIdentity(userId);
    };
    app.addHook('onRequest', async (request, reply) => {
      const mode: AuthMode = request.routeOptions.config?.auth ?? 'tenant';
      if (mode === 'public' || !request.routeOptions.url) return;
      // Set before the token is checked, so the 401s and 403s carry it too:
      // nothing answered to a signed-in caller may sit in a shared cache.
      reply.header('cache-control', 'no-store');
      const token = bearerToken(request);
      if (!token) throw unauthorized();
      const user = await verify(token);
      const identity = await identityOf(user.id);
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
