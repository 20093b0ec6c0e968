/**
 * OWASP API2:2023 Broken Authentication, beyond the token attacks of
 * test/foundation/auth.test.ts (alg none, algorithm confusion, forged
 * payloads, wrong aud/iss, expired and not-yet-valid tokens):
 *
 * - losing a membership takes effect on the very next request, on every API
 *   process, although identities are cached (IDENTITY_CACHE_TTL_SECONDS) and
 *   verified tokens too (AUTH_TOKEN_CACHE_SECONDS);
 * - a token that was accepted (and cached) stops working at its exp;
 * - identity is the token's subject, never its email claim; an invitation
 *   cannot be accepted with a token that carries no email.
 *
 * Tokens come from a local Supabase peer (a real JWKS over HTTP) on both
 * targets, so the claims can be shaped at will.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userIdForEmail } from '../../src/infra/auth/user-id.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { registerHospital, uniqueEmail } from '../helpers/factories.ts';
import { invitationToken, inviteAndAccept } from '../helpers/member-factories.ts';
import { startSupabasePeer, type SupabasePeer } from '../helpers/supabase-peer.ts';
import { onServices } from '../helpers/target.ts';
import { injectChecked } from '../helpers/contract.ts';

let peer: SupabasePeer;
let a: TestApp;
/** A second API process on the same services (the same app on the embedded target, which is one process by design). */
let b: TestApp;

beforeAll(async () => {
  peer = await startSupabasePeer();
  // Both caches on, as in production; the two processes share the Redis key space as one deployment does.
  const env = {
    AUTH_TOKEN_CACHE_SECONDS: '60',
    IDENTITY_CACHE_TTL_SECONDS: '60',
    JWT_CLOCK_TOLERANCE_SECONDS: '0',
    REDIS_KEY_PREFIX: `tempus-sec-${crypto.randomUUID().slice(0, 8)}:`,
  };
  a = await createTestApp({ supabase: peer, env });
  b = onServices ? await createTestApp({ supabase: peer, env }) : a;
});
afterAll(async () => {
  if (b !== a) await b.close();
  await a.close();
  await peer.close();
});

const get = (t: TestApp, url: string, authorization: string) => injectChecked(t, { method: 'GET', url, headers: { authorization } });

describe('API2 authentication', () => {
  it('a member removed from the hospital loses access at once, on every API process', async () => {
    const h = await registerHospital(a);
    const member = await inviteAndAccept(a, h, 'staff');
    // Warm both processes' caches: the token is verified and the identity cached.
    for (const t of [a, b]) {
      expect((await get(t, '/v1/patients', member.auth.authorization)).statusCode).toBe(200);
      expect((await get(t, '/v1/hospitals/me', member.auth.authorization)).statusCode).toBe(200);
    }
    const removed = await injectChecked(a, { method: 'DELETE', url: `/v1/hospitals/me/members/${member.userId}`, headers: h.auth });
    expect(removed.statusCode).toBe(200);
    for (const t of [b, a]) {
      for (const url of ['/v1/patients', '/v1/hospitals/me', '/v1/appointments']) {
        const res = await get(t, url, member.auth.authorization);
        expect(res.statusCode, `${url}: ${res.body}`).toBe(403);
        expect(res.json().code).toBe('FORBIDDEN');
      }
    }
  });

  it('a token stops working at its exp even though verified tokens are cached', async () => {
    const h = await registerHospital(a);
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await peer.sign({ email: h.ownerEmail }, { expiresIn: exp });
    expect((await get(a, '/v1/hospitals/me', `Bearer ${token}`)).statusCode).toBe(200);
    // Expiry is a point in time: wait for it to pass (at most two seconds), then the cached token is refused.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 50));
    const res = await get(a, '/v1/hospitals/me', `Bearer ${token}`);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED', error: expect.stringMatching(/expired/) });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="tempus", error="invalid_token", error_description="The bearer token has expired"');
  });

  it("identity is the token's subject: another user's email claim grants nothing", async () => {
    const h = await registerHospital(a);
    const impostor = await peer.sign({ email: h.ownerEmail, sub: crypto.randomUUID() });
    const res = await get(a, '/v1/hospitals/me', `Bearer ${impostor}`);
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain(h.id);
  });

  it('refuses to accept an invitation with a token that carries no email, and changes nothing', async () => {
    const h = await registerHospital(a);
    const email = uniqueEmail('invitee');
    const invite = await injectChecked(a, { method: 'POST', url: '/v1/hospitals/me/invitations', headers: h.auth, payload: { email, role: 'admin' } });
    expect(invite.statusCode).toBe(201);
    const invitation = await invitationToken(a, h.id, email);
    const noEmail = await peer.sign({ email: undefined as unknown as string, sub: userIdForEmail(email) });
    expect(decodeJwt(noEmail).email).toBeUndefined();

    const res = await injectChecked(a, { method: 'POST', url: '/v1/invitations/accept', headers: { authorization: `Bearer ${noEmail}` }, payload: { token: invitation } });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('INVITATION_EMAIL_MISMATCH');

    // Still pending, nobody joined, and the invitee (signing in properly) can still accept it.
    const pending = await injectChecked(a, { method: 'GET', url: '/v1/hospitals/me/invitations?status=pending', headers: h.auth });
    expect(pending.json().data.map((i: { email: string }) => i.email)).toContain(email);
    const members = await injectChecked(a, { method: 'GET', url: '/v1/hospitals/me/members', headers: h.auth });
    expect(members.json().data.map((m: { email: string }) => m.email)).not.toContain(email);
    const proper = await injectChecked(a, {
      method: 'POST',
      url: '/v1/invitations/accept',
      headers: { authorization: `Bearer ${await peer.sign({ email })}` },
      payload: { token: invitation },
    });
    expect(proper.statusCode).toBe(200);
  });

  it('an invitation token is single use and useless to anyone else', async () => {
    const h = await registerHospital(a);
    const email = uniqueEmail('invitee');
    await injectChecked(a, { method: 'POST', url: '/v1/hospitals/me/invitations', headers: h.auth, payload: { email, role: 'staff' } });
    const invitation = await invitationToken(a, h.id, email);
    const stranger = await peer.sign({ email: uniqueEmail('stranger') });
    const stolen = await injectChecked(a, { method: 'POST', url: '/v1/invitations/accept', headers: { authorization: `Bearer ${stranger}` }, payload: { token: invitation } });
    expect(stolen.statusCode).toBe(403);
    const first = await injectChecked(a, { method: 'POST', url: '/v1/invitations/accept', headers: { authorization: `Bearer ${await peer.sign({ email })}` }, payload: { token: invitation } });
    expect(first.statusCode).toBe(200);
    const again = await injectChecked(a, { method: 'POST', url: '/v1/invitations/accept', headers: { authorization: `Bearer ${await peer.sign({ email })}` }, payload: { token: invitation } });
    expect(again.statusCode).toBe(409);
    const guessed = await injectChecked(a, { method: 'POST', url: '/v1/invitations/accept', headers: { authorization: `Bearer ${stranger}` }, payload: { token: 'A'.repeat(43) } });
    expect(guessed.statusCode).toBe(404);
  });
});
