import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { Config } from '../../config.ts';
import { DomainError, unauthorized } from '../../shared/errors.ts';
import { loadLocalIssuer, type LocalIssuer } from './local-issuer.ts';

export interface AuthUser {
  id: string;
  email: string | null;
}

export interface TokenVerifier {
  verify(token: string): Promise<AuthUser>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ASYMMETRIC = ['ES256', 'RS256'];

interface VerifierOptions {
  issuer?: string;
  audience: string;
  clockToleranceSeconds: number;
  /** Asymmetric keys (a JWKS); only ES256/RS256 are accepted against them. */
  jwks?: JWTVerifyGetKey;
  /** The legacy shared secret; only HS256 is accepted against it. */
  hs256Secret?: Uint8Array;
}

/**
 * Verifies Supabase-style access tokens. Each key kind is bound to its own
 * algorithm list, so a token "signed" with HS256 using a public key, or with
 * alg "none", never reaches a key it could confuse.
 */
export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const common = {
    audience: options.audience,
    clockTolerance: options.clockToleranceSeconds,
    requiredClaims: ['sub', 'exp'],
    ...(options.issuer ? { issuer: options.issuer } : {}),
  };
  return {
    async verify(token) {
      let alg: string | undefined;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        throw unauthorized('The bearer token is malformed');
      }
      let payload: JWTPayload;
      try {
        if (alg === 'HS256' && options.hs256Secret) {
          ({ payload } = await jwtVerify(token, options.hs256Secret, { ...common, algorithms: ['HS256'] }));
        } else if (alg && ASYMMETRIC.includes(alg) && options.jwks) {
          ({ payload } = await jwtVerify(token, options.jwks, { ...common, algorithms: ASYMMETRIC }));
        } else {
          throw unauthorized(`Tokens signed with ${alg ?? 'no algorithm'} are not accepted`);
        }
      } catch (err) {
        if (err instanceof DomainError) throw err;
        if (err instanceof joseErrors.JWKSTimeout || (err instanceof TypeError && /fetch/i.test(err.message))) {
          throw new DomainError('SERVICE_UNAVAILABLE', 'The identity provider could not be reached; try again');
        }
        if (err instanceof joseErrors.JWTExpired) throw unauthorized('The bearer token has expired');
        throw unauthorized('The bearer token is not valid');
      }
      if (typeof payload.sub !== 'string' || !UUID.test(payload.sub)) {
        throw unauthorized('The bearer token has no valid subject');
      }
      return { id: payload.sub.toLowerCase(), email: typeof payload.email === 'string' ? payload.email.toLowerCase() : null };
    },
  };
}

export interface Auth {
  verifier: TokenVerifier;
  /** Present in embedded mode only: mints tokens for `npm run token` and tests. */
  localIssuer?: LocalIssuer;
}

export async function createAuth(config: Config): Promise<Auth> {
  const { env } = config;
  const base = { audience: env.JWT_AUDIENCE, clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_SECONDS };
  if (config.adapters.auth === 'supabase') {
    return {
      verifier: createTokenVerifier({
        ...base,
        ...(env.SUPABASE_URL
          ? {
              issuer: `${env.SUPABASE_URL}/auth/v1`,
              jwks: createRemoteJWKSet(new URL(`${env.SUPABASE_URL}/auth/v1/.well-known/jwks.json`), {
                timeoutDuration: 3_000,
                cooldownDuration: 30_000,
                cacheMaxAge: 10 * 60_000,
              }),
            }
          : {}),
        ...(env.SUPABASE_JWT_SECRET ? { hs256Secret: new TextEncoder().encode(env.SUPABASE_JWT_SECRET) } : {}),
      }),
    };
  }
  const localIssuer = await loadLocalIssuer(env.DATA_DIR, env.JWT_AUDIENCE);
  return {
    localIssuer,
    verifier: createTokenVerifier({ ...base, issuer: localIssuer.issuer, jwks: createLocalJWKSet(localIssuer.publicJwks) }),
  };
}
