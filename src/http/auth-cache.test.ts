import { sql } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.ts';
import { registerHospital, uniqueEmail } from '../../test/helpers/factories.ts';
import { startSupabasePeer } from '../../test/helpers/supabase-peer.ts';
import { onServices } from '../../test/helpers/target.ts';
import { userIdForEmail } from '../infra/auth/user-id.ts';
import { identityCacheKey } from '../infra/cache/keys.ts';
import { withTenant } from '../infra/db/tenant.ts';
import { insertMember } from '../modules/members/members.repo.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { IDENTITY_CACHE_TTL_SECONDS: '30' } });
});
afterAll(async () => {
  await t.close();
});

const identityStats = () => ({ ...(t.deps.cache.stats.byFamily['identity'] ?? { hits: 0, misses: 0, loads: 0 }) });

describe('identity cache (IDENTITY_CACHE_TTL_SECONDS > 0)', () => {
  it('serves a member\'s identity from the cache after the first lookup', async () => {
    const h = await registerHospital(t);
    await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: h.auth });
    const before = identityStats();
    for (let i = 0; i < 3; i++) expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: h.auth })).statusCode).toBe(200);
    expect(identityStats().hits - before.hits).toBe(3);
  });

  it('never caches "no membership": a user who registers or is added is a member on the very next request', async () => {
    const email = uniqueEmail();
    const auth = { authorization: `Bearer ${await t.tokenFor(email)}` };
    expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: auth })).statusCode).toBe(403);
    const h = await registerHospital(t);
    await withTenant(t.deps.database.db, h.id, (scope) => insertMember(scope, { userId: userIdForEmail(email), email, role: 'staff' }));
    expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: auth })).statusCode).toBe(200);
  });

  it('drops access at once when the membership change invalidates identityCacheKey', async () => {
    const h = await registerHospital(t);
    const email = uniqueEmail('staff');
    const userId = userIdForEmail(email);
    const auth = { authorization: `Bearer ${await t.tokenFor(email)}` };
    await withTenant(t.deps.database.db, h.id, (scope) => insertMember(scope, { userId, email, role: 'staff' }));
    expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: auth })).statusCode).toBe(200);
    await withTenant(t.deps.database.db, h.id, ({ tx }) => tx.execute(sql`delete from hospital_members where hospital_id = ${h.id} and user_id = ${userId}`));
    await t.deps.cache.invalidate(identityCacheKey(userId));
    expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: auth })).statusCode).toBe(403);
  });
});

describe('verified-token cache (AUTH_TOKEN_CACHE_SECONDS)', () => {
  it('still refuses a remembered token once it has expired', async () => {
    const peer = onServices ? await startSupabasePeer() : undefined;
    const short = await createTestApp({ env: { JWT_CLOCK_TOLERANCE_SECONDS: '0' }, ...(peer ? { supabase: peer } : {}) });
    try {
      const h = await registerHospital(short);
      const token = peer
        ? await peer.sign({ email: h.ownerEmail }, { expiresIn: '2s' })
        : await short.deps.auth.localIssuer!.sign({ email: h.ownerEmail, expiresInSeconds: 2 });
      const auth = { authorization: `Bearer ${token}` };
      expect((await short.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: auth })).statusCode).toBe(200);
      expect((await short.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: auth })).statusCode).toBe(200);
      const exp = decodeJwt(token).exp! * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, exp - Date.now()) + 50));
      const res = await short.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: auth });
      expect(res.statusCode).toBe(401);
    } finally {
      await short.close();
      await peer?.close();
    }
  });
});
