import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { userIdForEmail } from './user-id.ts';

export const LOCAL_ISSUER = 'http://localhost/auth/v1';
const KID = 'tempus-local';

/**
 * Embedded mode's stand-in for Supabase Auth: an ES256 key kept under the data
 * directory signs tokens shaped like Supabase's (sub, email, aud, role).
 */
export interface LocalIssuer {
  readonly issuer: string;
  readonly publicJwks: { keys: JWK[] };
  sign(claims: { email: string; sub?: string; expiresInSeconds?: number }): Promise<string>;
}

export async function loadLocalIssuer(dataDir: string, audience: string): Promise<LocalIssuer> {
  const file = path.resolve(dataDir, 'auth', 'local-signing-key.json');
  let privateJwk: JWK;
  if (existsSync(file)) {
    privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } else {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    privateJwk = { ...(await exportJWK(privateKey)), kid: KID, alg: 'ES256' };
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(privateJwk), { mode: 0o600 });
  }
  const { d: _private, ...publicJwk } = privateJwk;
  const key = await importJWK(privateJwk, 'ES256');
  return {
    issuer: LOCAL_ISSUER,
    publicJwks: { keys: [publicJwk] },
    sign: ({ email, sub, expiresInSeconds = 3600 }) =>
      new SignJWT({ email, role: 'authenticated' })
        .setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'JWT' })
        .setSubject(sub ?? userIdForEmail(email))
        .setIssuer(LOCAL_ISSUER)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(`${expiresInSeconds}s`)
        .sign(key),
  };
}
