import { createHash, randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Db, Executor } from '../../infra/db/client.ts';
import { isConstraintViolation, PG_UNIQUE_VIOLATION } from '../../infra/db/errors.ts';
import { doctors } from '../../infra/db/schema/doctors.ts';
import type { MemberRole } from '../../infra/db/schema/members.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import type { Cache } from '../../infra/cache/index.ts';
import { identityCacheKey } from '../../infra/cache/keys.ts';
import { enqueue } from '../../infra/queue/outbox.ts';
import { decodeCursor, pageOf, type CursorPosition } from '../../shared/cursor.ts';
import { DomainError, forbidden, notFound, validation } from '../../shared/errors.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import { findHospital } from '../hospitals/hospitals.repo.ts';
import {
  findInvitation,
  findInvitationByTokenHash,
  insertInvitation,
  listInvitations,
  revokePendingFor,
  updateInvitation,
} from './invitations.repo.ts';
import {
  deleteMember,
  findMemberByDoctorId,
  findMemberByEmail,
  findMemberByUserId,
  listMembers,
  lockOwners,
} from './members.repo.ts';
import type { CreateInvitationInput, InvitationsQueryInput, MembersQueryInput } from './members.schemas.ts';
import { invitationStatus, invitationView, memberView } from './members.views.ts';
import { insertMember } from './members.write.ts';

const HOUR_MS = 3_600_000;

type TenantActor = Actor & { hospitalId: string; role: MemberRole; email?: string | null };

/** Invitation tokens: 256 random bits; only their SHA-256 is stored (a guess is as hard as the token). */
export function newInvitationToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashInvitationToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function checkedCursor(cursor: string | undefined): CursorPosition | null {
  const after = decodeCursor(cursor);
  if (after && Number.isNaN(Date.parse(after.key))) {
    throw validation('The cursor is not valid; use page.nextCursor from a previous response', { field: 'cursor' });
  }
  return after;
}

/** Admins hold every power but ownership: they neither invite nor remove owners. */
function assertMayManage(actor: TenantActor, targetRole: MemberRole, verb: 'invite' | 'remove' | 'revoke an invitation of') {
  if (targetRole === 'owner' && actor.role !== 'owner') throw forbidden(`Only an owner can ${verb} an owner`);
}

async function checkDoctorLink(tx: Executor, hospitalId: string, doctorId: string): Promise<void> {
  const [doctor] = await tx
    .select({ id: doctors.id, active: doctors.active })
    .from(doctors)
    .where(and(eq(doctors.hospitalId, hospitalId), eq(doctors.id, doctorId)))
    .limit(1);
  if (!doctor) throw notFound('Doctor');
  if (!doctor.active) throw new DomainError('CONFLICT', 'The doctor is deactivated', { field: 'doctorId' });
  if (await findMemberByDoctorId(tx, hospitalId, doctorId)) {
    throw new DomainError('CONFLICT', 'Another member is already linked to this doctor', { field: 'doctorId' });
  }
}

export interface MemberServiceDeps {
  db: Db;
  /** The shared cache, to drop a removed member's cached identity at once (src/http/auth.ts). */
  cache: Pick<Cache, 'invalidate'>;
  /** INVITATION_TTL_HOURS */
  invitationTtlHours: number;
}

export function createMemberService({ db, cache, invitationTtlHours }: MemberServiceDeps) {
  return {
    async list(hospitalId: string, query: MembersQueryInput) {
      const after = checkedCursor(query.cursor);
      const rows = await withTenant(db, hospitalId, (tx) => listMembers(tx, hospitalId, after, query.limit));
      const { items, nextCursor } = pageOf(rows, query.limit, (r) => r.cursorKey);
      return { items: items.map(memberView), nextCursor };
    },

    /**
     * Stores a hashed, single-use, expiring token and queues the email that
     * carries the token itself (outbox, same transaction). Re-inviting an
     * email revokes its earlier pending invitation.
     */
    async invite(actor: TenantActor, input: CreateInvitationInput) {
      const hospitalId = actor.hospitalId;
      assertMayManage(actor, input.role, 'invite');
      if (input.doctorId && input.role !== 'doctor') {
        throw validation('doctorId goes only with the role "doctor"', {
          fields: [{ field: 'doctorId', message: 'is only accepted with role "doctor"' }],
        });
      }
      const email = input.email.trim().toLowerCase();
      const now = new Date();
      const token = newInvitationToken();
      return withTenant(db, hospitalId, async (tx) => {
        const hospital = await findHospital(tx, hospitalId);
        if (!hospital) throw notFound('Hospital');
        if (await findMemberByEmail(tx, hospitalId, email)) {
          throw new DomainError('ALREADY_MEMBER', `${email} is already a member of this hospital`, { field: 'email' });
        }
        if (input.doctorId) await checkDoctorLink(tx, hospitalId, input.doctorId);
        const replaced = await revokePendingFor(tx, hospitalId, email, now);
        const invitation = await insertInvitation(tx, {
          hospitalId,
          email,
          role: input.role,
          doctorId: input.doctorId ?? null,
          tokenHash: hashInvitationToken(token),
          invitedByUserId: actor.userId,
          expiresAt: new Date(now.getTime() + invitationTtlHours * HOUR_MS),
        });
        await enqueue(tx, {
          hospitalId,
          queue: 'email_notifications',
          type: 'email',
          payload: {
            template: 'invitation',
            to: email,
            data: {
              hospitalName: hospital.name,
              subdomain: hospital.subdomain,
              role: input.role,
              token,
              expiresAt: invitation.expiresAt.toISOString(),
              timezone: hospital.timezone,
              invitedBy: actor.email ?? null,
            },
          },
        });
        await recordAudit(tx, hospitalId, actor, {
          action: 'invitation.created',
          entityType: 'invitation',
          entityId: invitation.id,
          metadata: { role: input.role, ...(input.doctorId ? { doctorId: input.doctorId } : {}), ...(replaced ? { replaced } : {}) },
        });
        return invitationView(invitation, now);
      });
    },

    async listInvitations(hospitalId: string, query: InvitationsQueryInput) {
      const after = checkedCursor(query.cursor);
      const now = new Date();
      const rows = await withTenant(db, hospitalId, (tx) =>
        listInvitations(tx, hospitalId, { pendingOnly: query.status === 'pending', now }, after, query.limit),
      );
      const { items, nextCursor } = pageOf(rows, query.limit, (r) => r.cursorKey);
      return { items: items.map((r) => invitationView(r, now)), nextCursor };
    },

    async revokeInvitation(actor: TenantActor, invitationId: string) {
      const hospitalId = actor.hospitalId;
      const now = new Date();
      return withTenant(db, hospitalId, async (tx) => {
        const invitation = await findInvitation(tx, hospitalId, invitationId, { forUpdate: true });
        if (!invitation) throw notFound('Invitation');
        assertMayManage(actor, invitation.role, 'revoke an invitation of');
        if (invitation.acceptedAt) throw new DomainError('INVITATION_USED', 'The invitation has already been accepted');
        if (invitation.revokedAt) return invitationView(invitation, now);
        const row = (await updateInvitation(tx, hospitalId, invitation.id, { revokedAt: now }))!;
        await recordAudit(tx, hospitalId, actor, { action: 'invitation.revoked', entityType: 'invitation', entityId: invitation.id });
        return invitationView(row, now);
      });
    },

    /**
     * The signed-in user redeems a token. Checked under a row lock, in this
     * order: the token exists (404), the JWT email is the invited one
     * (INVITATION_EMAIL_MISMATCH), it is unused (INVITATION_USED), not revoked
     * (INVITATION_REVOKED), not expired (INVITATION_EXPIRED), and the user
     * has no hospital (HOSPITAL_EXISTS; the unique index on user_id decides
     * races with a registration or a second invitation).
     */
    async accept(actor: Actor & { email: string | null }, token: string) {
      const now = new Date();
      const found = await findInvitationByTokenHash(db, hashInvitationToken(token));
      if (!found) throw notFound('Invitation');
      try {
        return await withTenant(db, found.hospitalId, async (tx) => {
          const invitation = await findInvitation(tx, found.hospitalId, found.id, { forUpdate: true });
          if (!invitation) throw notFound('Invitation');
          if (!actor.email || actor.email.trim().toLowerCase() !== invitation.email) {
            throw new DomainError(
              'INVITATION_EMAIL_MISMATCH',
              'This invitation was sent to another email address; sign in with that address to accept it',
            );
          }
          const status = invitationStatus(invitation, now);
          if (status === 'accepted') throw new DomainError('INVITATION_USED', 'This invitation has already been used');
          if (status === 'revoked') throw new DomainError('INVITATION_REVOKED', 'This invitation has been withdrawn; ask for a new one');
          if (status === 'expired') throw new DomainError('INVITATION_EXPIRED', 'This invitation has expired; ask for a new one');
          if (actor.hospitalId) throw new DomainError('HOSPITAL_EXISTS', 'You already belong to a hospital');
          if (invitation.doctorId && (await findMemberByDoctorId(tx, invitation.hospitalId, invitation.doctorId))) {
            throw new DomainError('CONFLICT', 'Another member is already linked to this doctor', { field: 'doctorId' });
          }
          const member = await insertMember(tx, invitation.hospitalId, {
            userId: actor.userId,
            email: invitation.email,
            role: invitation.role,
            doctorId: invitation.doctorId,
          });
          await updateInvitation(tx, invitation.hospitalId, invitation.id, { acceptedAt: now, acceptedByUserId: actor.userId });
          await recordAudit(tx, invitation.hospitalId, actor, {
            action: 'invitation.accepted',
            entityType: 'member',
            entityId: member.id,
            metadata: { invitationId: invitation.id, role: member.role, userId: member.userId },
          });
          return memberView(member);
        });
      } catch (err) {
        if (isConstraintViolation(err, PG_UNIQUE_VIOLATION, 'hospital_members_user_id_key')) {
          throw new DomainError('HOSPITAL_EXISTS', 'You already belong to a hospital');
        }
        throw err;
      }
    },

    /**
     * Owners and admins remove members; an admin cannot remove an owner, and
     * the last owner is never removed (LAST_OWNER), whoever asks — checked
     * with every owner row locked, so two owners removing each other at once
     * cannot leave the hospital without one.
     */
    async remove(actor: TenantActor, userId: string) {
      const hospitalId = actor.hospitalId;
      const removed = await withTenant(db, hospitalId, async (tx) => {
        const owners = await lockOwners(tx, hospitalId);
        const target = await findMemberByUserId(tx, hospitalId, userId);
        if (!target) throw notFound('Member');
        assertMayManage(actor, target.role, 'remove');
        if (target.role === 'owner' && owners.length <= 1) {
          throw new DomainError('LAST_OWNER', 'The last owner cannot be removed; make someone else an owner first', {
            owners: owners.length,
          });
        }
        await deleteMember(tx, hospitalId, target.id);
        await recordAudit(tx, hospitalId, actor, {
          action: 'member.removed',
          entityType: 'member',
          entityId: target.id,
          metadata: { userId: target.userId, role: target.role, self: target.userId === actor.userId },
        });
        return memberView(target);
      });
      // After commit: every API process stops honouring the old membership on its next request.
      await cache.invalidate(identityCacheKey(userId));
      return removed;
    },
  };
}

export type MemberService = ReturnType<typeof createMemberService>;
