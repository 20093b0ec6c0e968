import { createPublicKey } from 'node:crypto';
import { base64url, exportSPKI, importJWK, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { startSupabasePeer, type SupabasePeer } from '../helpers/supabase-peer.ts';
import { uniqueEmail } from '../helpers/factories.ts';

// These tests always verify against a real JWKS served over HTTP by a local
// Supabase peer, on both targets: the verifier is the thing under test.
let peer: SupabasePeer;
let t: TestApp;

beforeAll(async () => {
  peer = await startSupabasePeer();
  t = await createTestApp({ supabase: peer, env: { SUPABASE_URL: peer.url, SUPABASE_JWT_SECRET: peer.hsSecret } });
});
afterAll(async () => {
  await t.close();
  await peer.close();
});

async function callWith(token: string) {
  return t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: { authorization: `Bearer ${token}` } });
}

async function expectUnauthorized(token: string) {
  const res = await callWith(token);
  expect(res.statusCode).toBe(401);
  expect(res.json().code).toBe('UNAUTHORIZED');
  return res;
}

describe('token verification', () => {
  it('accepts ES256 and RS256 tokens from the JWKS and the legacy HS256 secret', async () => {
    for (const alg of ['ES256', 'RS256', 'HS256'] as const) {
      const res = await callWith(await peer.sign({ email: uniqueEmail() }, { alg }));
      // Valid identity, no hospital yet: 403 (not 401) proves the token was accepted.
      expect(res.statusCode, alg).toBe(403);
    }
  });

  it('refuses alg none', async () => {
    const token = new UnsecuredJWT({ email: 'a@b.c', role: 'authenticated' })
      .setSubject('4f1c2d3e-1111-4222-8333-944455556666')
      .setIssuer(peer.issuer)
      .setAudience('authenticated')
      .setExpirationTime('1h')
      .encode();
    await expectUnauthorized(token);
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const rsJwk = peer.publicJwks.keys.find((k) => k.kid === 'rs-1')!;
    const pem = await exportSPKI((await importJWK(rsJwk, 'RS256', { extractable: true })) as Parameters<typeof exportSPKI>[0]);
    const token = await new SignJWT({ email: 'a@b.c' })
      .setProtectedHeader({ alg: 'HS256', kid: 'rs-1' })
      .setSubject('4f1c2d3e-1111-4222-8333-944455556666')
      .setIssuer(peer.issuer)
      .setAudience('authenticated')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(pem));
    expect(createPublicKey(pem).type).toBe('public');
    await expectUnauthorized(token);
  });

  it('refuses expired, not-yet-valid, wrong audience and wrong issuer tokens', async () => {
    const email = uniqueEmail();
    const expired = await expectUnauthorized(await peer.sign({ email }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }));
    expect(expired.json().error).toMatch(/expired/);
    await expectUnauthorized(await peer.sign({ email, nbf: Math.floor(Date.now() / 1000) + 3600 }));
    await expectUnauthorized(await peer.sign({ email, aud: 'anon' }));
    await expectUnauthorized(await peer.sign({ email, iss: 'https://evil.example/auth/v1' }));
  });

  it('refuses an unknown kid, a tampered payload and garbage', async () => {
    await expectUnauthorized(await peer.sign({ email: uniqueEmail() }, { kid: 'no-such-key' }));
    const good = await peer.sign({ email: uniqueEmail() });
    const [header, , signature] = good.split('.');
    const forged = base64url.encode(JSON.stringify({ sub: '4f1c2d3e-1111-4222-8333-944455556666', email: 'admin@x.y', aud: 'authenticated', iss: peer.issuer, exp: 9999999999 }));
    await expectUnauthorized(`${header}.${forged}.${signature}`);
    await expectUnauthorized('garbage');
    await expectUnauthorized('a.b.c');
    const res = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(res.statusCode).toBe(401);
  });

  it('refuses a token whose subject is not a user id', async () => {
    await expectUnauthorized(await peer.sign({ email: uniqueEmail(), sub: 'not-a-uuid' }));
  });

  it('answers 401 without a token and never leaks details', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'A valid bearer token is required', code: 'UNAUTHORIZED' });
  });
});
