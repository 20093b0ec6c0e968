import { sql } from 'drizzle-orm';
import { userIdForEmail } from '../../src/infra/auth/user-id.ts';
import { rawRows } from '../../src/infra/db/client.ts';
import type { MemberRole } from '../../src/infra/db/schema/members.ts';
import { withTenant } from '../../src/infra/db/tenant.ts';
import { insertMember } from '../../src/modules/members/members.repo.ts';
import type { TestApp } from './app.ts';
import { uniqueEmail, type RegisteredHospital } from './factories.ts';

export interface TestUser {
  email: string;
  userId: string;
  token: string;
  auth: { authorization: string };
}

/** A signed-in user with no hospital (tokens from the local issuer or the Supabase peer: the id derives from the email). */
export async function newUser(t: TestApp, prefix = 'user'): Promise<TestUser> {
  const email = uniqueEmail(prefix);
  const token = await t.tokenFor(email);
  return { email, userId: userIdForEmail(email), token, auth: { authorization: `Bearer ${token}` } };
}

/**
 * A member with `role`, written straight into hospital_members (fast; for
 * tests about what a role may do). The invitation flow itself is covered by
 * inviteAndAccept.
 */
export async function addMember(
  t: TestApp,
  hospital: { id: string },
  role: MemberRole,
  options: { doctorId?: string } = {},
): Promise<TestUser & { memberId: string }> {
  const user = await newUser(t, role);
  const member = await withTenant(t.deps.database.db, hospital.id, (scope) =>
    insertMember(scope, { userId: user.userId, email: user.email, role, doctorId: options.doctorId ?? null }),
  );
  return { ...user, memberId: member.id };
}

/** Makes the user a platform operator, as `npm run tempus -- admin grant` does. */
export async function grantPlatformAdmin(t: TestApp, user: { userId: string }): Promise<void> {
  await t.deps.database.db.execute(sql`insert into platform_admins (user_id) values (${user.userId}) on conflict do nothing`);
}

export async function newPlatformAdmin(t: TestApp): Promise<TestUser> {
  const user = await newUser(t, 'operator');
  await grantPlatformAdmin(t, user);
  return user;
}

/** The token of the newest invitation email queued for `email` (the outbox is where the token lives until sent). */
export async function invitationToken(t: TestApp, hospitalId: string, email: string): Promise<string> {
  const [row] = await rawRows<{ token: string }>(
    t.deps.database.db,
    sql`select payload->'data'->>'token' as token from outbox
         where hospital_id = ${hospitalId} and queue = 'email_notifications'
           and payload->>'template' = 'invitation' and payload->>'to' = ${email.toLowerCase()}
         order by created_at desc limit 1`,
  );
  if (!row) throw new Error(`no invitation email queued for ${email}`);
  return row.token;
}

/** Invites a new user through the API (as the hospital's owner) and accepts as that user. */
export async function inviteAndAccept(
  t: TestApp,
  hospital: RegisteredHospital,
  role: MemberRole,
  options: { doctorId?: string; inviter?: { authorization: string } } = {},
): Promise<TestUser> {
  const user = await newUser(t, role);
  const invite = await t.app.inject({
    method: 'POST',
    url: '/v1/hospitals/me/invitations',
    headers: options.inviter ?? hospital.auth,
    payload: { email: user.email, role, ...(options.doctorId ? { doctorId: options.doctorId } : {}) },
  });
  if (invite.statusCode !== 201) throw new Error(`invite failed: ${invite.statusCode} ${invite.body}`);
  const token = await invitationToken(t, hospital.id, user.email);
  const accept = await t.app.inject({ method: 'POST', url: '/v1/invitations/accept', headers: user.auth, payload: { token } });
  if (accept.statusCode !== 200) throw new Error(`accept failed: ${accept.statusCode} ${accept.body}`);
  return user;
}

/** Active doctor rows written straight into the doctors table (usage against maxDoctors). */
export async function insertDoctors(t: TestApp, hospitalId: string, count: number): Promise<string[]> {
  return withTenant(t.deps.database.db, hospitalId, async ({ tx }) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const [row] = await rawRows<{ id: string }>(
        tx,
        sql`insert into doctors (hospital_id, name, email) values (${hospitalId}, ${`Doctor ${i + 1}`}, ${uniqueEmail('doc')}) returning id`,
      );
      ids.push(row!.id);
    }
    return ids;
  });
}
