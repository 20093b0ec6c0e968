import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { userIdForEmail } from '../../src/infra/auth/user-id.ts';

/**
 * A local stand-in for Supabase Auth's public surface: it serves a real JWKS
 * over HTTP (ES256 and RS256 keys) and signs tokens the way Supabase does, so
 * the verifier is exercised over a real connection.
 */
export interface SupabasePeer {
  url: string;
  issuer: string;
  hsSecret: string;
  publicJwks: { keys: JWK[] };
  jwksRequests: number;
  sign(claims: { email: string; sub?: string } & JWTPayload, options?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

interface SignOptions {
  alg?: 'ES256' | 'RS256' | 'HS256';
  expiresIn?: string | number;
  kid?: string;
}

export async function startSupabasePeer(): Promise<SupabasePeer> {
  const es = await generateKeyPair('ES256', { extractable: true });
  const rs = await generateKeyPair('RS256', { extractable: true });
  const publicJwks = {
    keys: [
      { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
      { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
    ],
  };
  const hsSecret = `peer-secret-${'x'.repeat(40)}`;
  let jwksRequests = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === '/auth/v1/.well-known/jwks.json') {
      jwksRequests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(publicJwks));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${url}/auth/v1`;
  return {
    url,
    issuer,
    hsSecret,
    publicJwks,
    get jwksRequests() {
      return jwksRequests;
    },
    async sign({ email, sub, ...rest }, { alg = 'ES256', expiresIn = '1h', kid } = {}) {
      const jwt = new SignJWT({ email, role: 'authenticated', ...rest })
        .setProtectedHeader({ alg, typ: 'JWT', ...(alg === 'HS256' ? {} : { kid: kid ?? (alg === 'ES256' ? 'es-1' : 'rs-1') }) })
        .setSubject(sub ?? userIdForEmail(email))
        .setIssuedAt()
        .setExpirationTime(expiresIn);
      if (rest.iss === undefined) jwt.setIssuer(issuer);
      if (rest.aud === undefined) jwt.setAudience('authenticated');
      const key = alg === 'HS256' ? new TextEncoder().encode(hsSecret) : alg === 'ES256' ? es.privateKey : rs.privateKey;
      return jwt.sign(key);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
