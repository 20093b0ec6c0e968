import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { registerHospital, uniqueEmail, type RegisteredHospital } from '../../../test/helpers/factories.ts';
import { addMember, insertDoctors, invitationToken, inviteAndAccept, newUser } from '../../../test/helpers/member-factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

const invite = (h: { auth: { authorization: string } } | { authorization: string }, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/v1/hospitals/me/invitations', headers: 'auth' in h ? h.auth : h, payload });
const accept = (auth: { authorization: string }, token: string) =>
  t.app.inject({ method: 'POST', url: '/v1/invitations/accept', headers: auth, payload: { token } });
const members = async (h: RegisteredHospital) => {
  const res = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me/members', headers: h.auth });
  expect(res.statusCode).toBe(200);
  return res.json().data as { userId: string; role: string; email: string; doctorId: string | null }[];
};

describe('invitations', () => {
  it('emails a hashed single-use token through the outbox; the invited user joins with the role', async () => {
    const h = await registerHospital(t, { name: 'Mercy Clinic' });
    const user = await newUser(t, 'staff');
    const res = await invite(h, { email: user.email.toUpperCase(), role: 'staff' });
    expect(res.statusCode, res.body).toBe(201);
    const invitation = res.json().data;
    expect(invitation).toMatchObject({ email: user.email, role: 'staff', doctorId: null, status: 'pending', acceptedAt: null });
    expect(JSON.stringify(invitation)).not.toMatch(/token/i);
    const ttlHours = (Date.parse(invitation.expiresAt) - Date.parse(invitation.createdAt)) / 3_600_000;
    expect(Math.round(ttlHours)).toBe(168);

    const [email] = await rawRows<{ queue: string; type: string; payload: { template: string; to: string; data: Record<string, unknown> } }>(
      t.deps.database.db,
      sql`select queue, type, payload from outbox where hospital_id = ${h.id} and payload->>'template' = 'invitation'`,
    );
    expect(email).toMatchObject({
      queue: 'email_notifications',
      type: 'email',
      payload: { template: 'invitation', to: user.email, data: { hospitalName: 'Mercy Clinic', role: 'staff', token: expect.any(String) } },
    });
    const token = email!.payload.data.token as string;
    const [stored] = await rawRows<{ token_hash: string }>(t.deps.database.db, sql`select token_hash from hospital_invitations where id = ${invitation.id}`);
    expect(stored!.token_hash).not.toContain(token);
    expect(stored!.token_hash).toMatch(/^[0-9a-f]{64}$/);

    const joined = await accept(user.auth, token);
    expect(joined.statusCode, joined.body).toBe(200);
    expect(joined.json().data).toMatchObject({ hospitalId: h.id, userId: user.userId, email: user.email, role: 'staff' });
    expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: user.auth })).json().data.id).toBe(h.id);
    expect((await members(h)).map((m) => m.role)).toEqual(['owner', 'staff']);

    const list = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me/invitations', headers: h.auth });
    expect(list.json().data[0]).toMatchObject({ id: invitation.id, status: 'accepted' });

    const audits = await rawRows<{ action: string }>(
      t.deps.database.db,
      sql`select action from audit_events where hospital_id = ${h.id} and action like 'invitation.%' order by created_at`,
    );
    expect(audits.map((a) => a.action)).toEqual(['invitation.created', 'invitation.accepted']);
  });

  it('refuses a reused token with 409 INVITATION_USED', async () => {
    const h = await registerHospital(t);
    const user = await newUser(t);
    await invite(h, { email: user.email, role: 'staff' });
    const token = await invitationToken(t, h.id, user.email);
    expect((await accept(user.auth, token)).statusCode).toBe(200);
    const again = await accept(user.auth, token);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'INVITATION_USED', error: expect.stringMatching(/already been used/) });
  });

  it('lets exactly one of two concurrent accepts of one token through', async () => {
    const h = await registerHospital(t);
    const user = await newUser(t);
    await invite(h, { email: user.email, role: 'staff' });
    const token = await invitationToken(t, h.id, user.email);
    const results = await Promise.all([accept(user.auth, token), accept(user.auth, token)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect((await members(h)).filter((m) => m.userId === user.userId)).toHaveLength(1);
  });

  it('refuses an expired token with 410 INVITATION_EXPIRED', async () => {
    const h = await registerHospital(t);
    const user = await newUser(t);
    const created = await invite(h, { email: user.email, role: 'doctor' });
    const token = await invitationToken(t, h.id, user.email);
    await t.deps.database.db.execute(sql`update hospital_invitations set expires_at = now() - interval '1 second' where id = ${created.json().data.id}`);
    const res = await accept(user.auth, token);
    expect(res.statusCode).toBe(410);
    expect(res.json()).toMatchObject({ code: 'INVITATION_EXPIRED', error: expect.stringMatching(/expired/) });
    const list = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me/invitations?status=pending', headers: h.auth });
    expect(list.json().data).toEqual([]);
  });

  it('honours a configured time to live', async () => {
    const short = await createTestApp({ env: { INVITATION_TTL_HOURS: '1' } });
    try {
      const h = await registerHospital(short);
      const res = await short.app.inject({ method: 'POST', url: '/v1/hospitals/me/invitations', headers: h.auth, payload: { email: uniqueEmail(), role: 'staff' } });
      const data = res.json().data;
      expect(Date.parse(data.expiresAt) - Date.parse(data.createdAt)).toBeCloseTo(3_600_000, -3);
    } finally {
      await short.close();
    }
  });

  it('refuses a signed-in user whose email is not the invited one with 403 INVITATION_EMAIL_MISMATCH, leaving the token usable', async () => {
    const h = await registerHospital(t);
    const invited = await newUser(t);
    const stranger = await newUser(t);
    await invite(h, { email: invited.email, role: 'admin' });
    const token = await invitationToken(t, h.id, invited.email);
    const res = await accept(stranger.auth, token);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'INVITATION_EMAIL_MISMATCH', error: expect.stringMatching(/another email/) });
    expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: stranger.auth })).statusCode).toBe(403);
    expect((await accept(invited.auth, token)).json().data.role).toBe('admin');
  });

  it('answers 404 for an unknown token, 400 for a malformed body and 401 without a token', async () => {
    const user = await newUser(t);
    const unknown = await accept(user.auth, 'x'.repeat(43));
    expect(unknown.statusCode).toBe(404);
    for (const payload of [{}, { token: 'short' }, { token: 'x'.repeat(43), extra: true }]) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/invitations/accept', headers: user.auth, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect((await t.app.inject({ method: 'POST', url: '/v1/invitations/accept', payload: { token: 'x'.repeat(43) } })).statusCode).toBe(401);
  });

  it('refuses a user who already belongs to a hospital with HOSPITAL_EXISTS', async () => {
    const h = await registerHospital(t);
    const other = await registerHospital(t);
    await invite(h, { email: other.ownerEmail, role: 'staff' });
    const res = await accept(other.auth, await invitationToken(t, h.id, other.ownerEmail));
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('HOSPITAL_EXISTS');
  });

  it('replaces an earlier pending invitation: the old token is INVITATION_REVOKED (410)', async () => {
    const h = await registerHospital(t);
    const user = await newUser(t);
    await invite(h, { email: user.email, role: 'staff' });
    const first = await invitationToken(t, h.id, user.email);
    await t.deps.database.db.execute(sql`update outbox set created_at = created_at - interval '1 minute' where hospital_id = ${h.id}`);
    await invite(h, { email: user.email, role: 'doctor' });
    const second = await invitationToken(t, h.id, user.email);
    expect(second).not.toBe(first);
    const old = await accept(user.auth, first);
    expect(old.statusCode).toBe(410);
    expect(old.json().code).toBe('INVITATION_REVOKED');
    expect((await accept(user.auth, second)).json().data.role).toBe('doctor');
  });

  it('can be withdrawn by owner or admin', async () => {
    const h = await registerHospital(t);
    const admin = await addMember(t, h, 'admin');
    const user = await newUser(t);
    const created = (await invite(h, { email: user.email, role: 'staff' })).json().data;
    const res = await t.app.inject({ method: 'DELETE', url: `/v1/hospitals/me/invitations/${created.id}`, headers: admin.auth });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.status).toBe('revoked');
    expect((await accept(user.auth, await invitationToken(t, h.id, user.email))).json().code).toBe('INVITATION_REVOKED');
    const other = await registerHospital(t);
    const foreign = await t.app.inject({ method: 'DELETE', url: `/v1/hospitals/me/invitations/${created.id}`, headers: other.auth });
    expect(foreign.statusCode).toBe(404);
  });

  it('lets only owners invite owners; admins invite admins, staff and doctors', async () => {
    const h = await registerHospital(t);
    const admin = await addMember(t, h, 'admin');
    const byAdmin = await invite(admin.auth, { email: uniqueEmail(), role: 'owner' });
    expect(byAdmin.statusCode).toBe(403);
    expect(byAdmin.json().error).toMatch(/Only an owner/);
    for (const role of ['admin', 'staff', 'doctor']) expect((await invite(admin.auth, { email: uniqueEmail(), role })).statusCode).toBe(201);
    expect((await invite(h, { email: uniqueEmail(), role: 'owner' })).statusCode).toBe(201);
    const staff = await addMember(t, h, 'staff');
    expect((await invite(staff.auth, { email: uniqueEmail(), role: 'staff' })).statusCode).toBe(403);
  });

  it('links a doctor member to a doctor of the same hospital only', async () => {
    const h = await registerHospital(t);
    const other = await registerHospital(t);
    const [doctorId] = await insertDoctors(t, h.id, 1);
    const [foreignDoctor] = await insertDoctors(t, other.id, 1);

    const wrongRole = await invite(h, { email: uniqueEmail(), role: 'staff', doctorId });
    expect(wrongRole.statusCode).toBe(400);
    expect(JSON.stringify(wrongRole.json().details)).toContain('doctorId');
    const foreign = await invite(h, { email: uniqueEmail(), role: 'doctor', doctorId: foreignDoctor });
    expect(foreign.statusCode).toBe(404);
    const malformed = await invite(h, { email: uniqueEmail(), role: 'doctor', doctorId: 'abc' });
    expect(malformed.statusCode).toBe(400);

    const doctor = await inviteAndAccept(t, h, 'doctor', { doctorId });
    expect((await members(h)).find((m) => m.userId === doctor.userId)).toMatchObject({ role: 'doctor', doctorId });
    const twice = await invite(h, { email: uniqueEmail(), role: 'doctor', doctorId });
    expect(twice.statusCode).toBe(409);
  });

  it.each([
    [{ email: 'nope', role: 'staff' }, 'email'],
    [{ email: 'a@b.example', role: 'janitor' }, 'role'],
    [{ email: 'a@b.example' }, 'role'],
    [{ email: 'a@b.example', role: 'staff', note: 'hi' }, 'note'],
  ])('refuses %j with 400 naming the field', async (payload, field) => {
    const h = await registerHospital(t);
    const res = await invite(h, payload);
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json().details)).toContain(field);
  });

  it('refuses to invite an existing member with ALREADY_MEMBER', async () => {
    const h = await registerHospital(t);
    const res = await invite(h, { email: h.ownerEmail, role: 'staff' });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('ALREADY_MEMBER');
  });
});

describe('members', () => {
  it('lists members oldest first with cursor pagination', async () => {
    const h = await registerHospital(t);
    for (const role of ['admin', 'staff', 'doctor'] as const) await addMember(t, h, role);
    const first = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me/members?limit=2', headers: h.auth });
    expect(first.json().data.map((m: { role: string }) => m.role)).toEqual(['owner', 'admin']);
    const cursor = first.json().page.nextCursor;
    const second = await t.app.inject({ method: 'GET', url: `/v1/hospitals/me/members?limit=2&cursor=${cursor}`, headers: h.auth });
    expect(second.json().data.map((m: { role: string }) => m.role)).toEqual(['staff', 'doctor']);
    expect(second.json().page.nextCursor).toBeNull();
  });

  it('lets an admin remove staff (who loses access at once) but not an owner', async () => {
    const h = await registerHospital(t);
    const admin = await addMember(t, h, 'admin');
    const staff = await addMember(t, h, 'staff');
    const removed = await t.app.inject({ method: 'DELETE', url: `/v1/hospitals/me/members/${staff.userId}`, headers: admin.auth });
    expect(removed.statusCode).toBe(200);
    expect(removed.json().data).toMatchObject({ userId: staff.userId, role: 'staff' });
    expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: staff.auth })).statusCode).toBe(403);

    const [owner] = (await members(h)).filter((m) => m.role === 'owner');
    const ownerRemoval = await t.app.inject({ method: 'DELETE', url: `/v1/hospitals/me/members/${owner!.userId}`, headers: admin.auth });
    expect(ownerRemoval.statusCode).toBe(403);
    const audits = await rawRows<{ action: string; metadata: { userId: string; role: string } }>(
      t.deps.database.db,
      sql`select action, metadata from audit_events where hospital_id = ${h.id} and action = 'member.removed'`,
    );
    expect(audits).toEqual([{ action: 'member.removed', metadata: { userId: staff.userId, role: 'staff', self: false } }]);
  });

  it('never removes the last owner (409 LAST_OWNER), even when two owners remove each other at once', async () => {
    const h = await registerHospital(t);
    const ownerId = (await members(h))[0]!.userId;
    const alone = await t.app.inject({ method: 'DELETE', url: `/v1/hospitals/me/members/${ownerId}`, headers: h.auth });
    expect(alone.statusCode).toBe(409);
    expect(alone.json().code).toBe('LAST_OWNER');

    const second = await inviteAndAccept(t, h, 'owner');
    const results = await Promise.all([
      t.app.inject({ method: 'DELETE', url: `/v1/hospitals/me/members/${second.userId}`, headers: h.auth }),
      t.app.inject({ method: 'DELETE', url: `/v1/hospitals/me/members/${ownerId}`, headers: second.auth }),
    ]);
    // The loser is refused either by the lock (LAST_OWNER) or, when it arrives
    // after the winner committed, because it is no longer a member at all.
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    expect((await rawRows<{ n: number }>(t.deps.database.db, sql`select count(*)::int as n from hospital_members where hospital_id = ${h.id} and role = 'owner'`))[0]!.n).toBe(1);
  });

  it('lets an owner hand over: a second owner removes the first', async () => {
    const h = await registerHospital(t);
    const ownerId = (await members(h))[0]!.userId;
    const successor = await inviteAndAccept(t, h, 'owner');
    const res = await t.app.inject({ method: 'DELETE', url: `/v1/hospitals/me/members/${ownerId}`, headers: successor.auth });
    expect(res.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me', headers: h.auth })).statusCode).toBe(403);
  });

  it("answers 404 for another hospital's member or an unknown user and 400 for a malformed id", async () => {
    const h = await registerHospital(t);
    const other = await registerHospital(t);
    const otherStaff = await addMember(t, other, 'staff');
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/hospitals/me/members/${otherStaff.userId}`, headers: h.auth })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/hospitals/me/members/${crypto.randomUUID()}`, headers: h.auth })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: '/v1/hospitals/me/members/123', headers: h.auth })).statusCode).toBe(400);
    expect((await members(other)).map((m) => m.userId)).toContain(otherStaff.userId);
  });

  it('is not for staff or doctors', async () => {
    const h = await registerHospital(t);
    for (const role of ['staff', 'doctor'] as const) {
      const m = await addMember(t, h, role);
      expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me/members', headers: m.auth })).statusCode).toBe(403);
      expect((await invite(m.auth, { email: uniqueEmail(), role: 'staff' })).statusCode).toBe(403);
    }
  });
});
