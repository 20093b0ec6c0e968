// The members module owns who belongs to a hospital and in which role: members, invitations, the last-owner rule, the identity lookup.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../infra/db/client.ts';
import { isConstraintViolation, PG_UNIQUE_VIOLATION } from '../../infra/db/errors.ts';
import type { MemberRole } from '../../infra/db/schema/members.ts';
import { withTenant, type TenantScope } from '../../infra/db/tenant.ts';
import type { Cache } from '../../infra/cache/index.ts';
import { identityCacheKey } from '../../infra/cache/keys.ts';
import { decodeTimeCursor, pageOf } from '../../shared/cursor.ts';
import { DomainError, forbidden, notFound, validation } from '../../shared/errors.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import { findDoctor } from '../doctors/doctors.repo.ts';
import { findHospital } from '../hospitals/hospitals.repo.ts';
import { enqueueJob } from '../notifications/jobs.ts';
import {
  findInvitation,
  findInvitationByTokenHash,
  insertInvitation,
  listInvitations,
  revokePendingFor,
  updateInvitation,
} from './invitations.repo.ts';
import { deleteMember, findMember, insertMember, listMembers, lockOwners } from './members.repo.ts';
import type { CreateInvitationInput, InvitationsQueryInput, MembersQueryInput } from './members.schemas.ts';
import { invitationStatus, invitationView, memberView } from './members.views.ts';

const HOUR_MS = 3_600_000;

type TenantActor = Actor & { hospitalId: string; role: MemberRole; email?: string | null };

/** Invitation tokens: 256 random bits; only their SHA-256 is stored (a guess is as hard as the token). */
export function newInvitationToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashInvitationToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Admins hold every power but ownership: they neither invite nor remove owners. */
function assertMayManage(actor: TenantActor, targetRole: MemberRole, verb: 'invite' | 'remove' | 'revoke an invitation of') {
  if (targetRole === 'owner' && actor.role !== 'owner') throw forbidden(`Only an owner can ${verb} an owner`);
}

const doctorLinked = () => new DomainError('CONFLICT', 'Another member is already linked to this doctor', { field: 'doctorId' });

async function checkDoctorLink(scope: TenantScope, doctorId: string): Promise<void> {
  const doctor = await findDoctor(scope, doctorId);
  if (!doctor) throw notFound('Doctor');
  if (!doctor.active) throw new DomainError('CONFLICT', 'The doctor is deactivated', { field: 'doctorId' });
  if (await findMember(scope, { doctorId })) throw doctorLinked();
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
      const after = decodeTimeCursor(query.cursor);
      const rows = await withTenant(db, hospitalId, (scope) => listMembers(scope, after, query.limit));
      const { items, nextCursor } = pageOf(rows, query.limit, (r) => r.cursorKey);
      return { items: items.map(memberView), nextCursor };
    },

    /**
     * Stores a hashed, single-use, expiring token and queues the email that
     * carries the token itself (outbox, same transaction). Re-inviting an
     * email revokes its earlier pending invitation.
     */
    async invite(actor: TenantActor, input: CreateInvitationInput) {
      assertMayManage(actor, input.role, 'invite');
      if (input.doctorId && input.role !== 'doctor') {
        throw validation('doctorId goes only with the role "doctor"', {
          fields: [{ field: 'doctorId', message: 'is only accepted with role "doctor"' }],
        });
      }
      const email = input.email.trim().toLowerCase();
      const now = new Date();
      const token = newInvitationToken();
      return withTenant(db, actor, async (scope) => {
        const hospital = await findHospital(scope);
        if (!hospital) throw notFound('Hospital');
        if (await findMember(scope, { email })) {
          throw new DomainError('ALREADY_MEMBER', `${email} is already a member of this hospital`, { field: 'email' });
        }
        if (input.doctorId) await checkDoctorLink(scope, input.doctorId);
        const replaced = await revokePendingFor(scope, email, now);
        const invitation = await insertInvitation(scope, {
          email,
          role: input.role,
          doctorId: input.doctorId ?? null,
          tokenHash: hashInvitationToken(token),
          invitedByUserId: actor.userId,
          expiresAt: new Date(now.getTime() + invitationTtlHours * HOUR_MS),
        });
        await enqueueJob(scope, {
          channel: 'email',
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
        });
        await recordAudit(scope, {
          action: 'invitation.created',
          entityType: 'invitation',
          entityId: invitation.id,
          metadata: { role: input.role, ...(input.doctorId ? { doctorId: input.doctorId } : {}), ...(replaced ? { replaced } : {}) },
        });
        return invitationView(invitation, now);
      });
    },

    async listInvitations(hospitalId: string, query: InvitationsQueryInput) {
      const after = decodeTimeCursor(query.cursor);
      const now = new Date();
      const rows = await withTenant(db, hospitalId, (scope) =>
        listInvitations(scope, { pendingOnly: query.status === 'pending', now }, after, query.limit),
      );
      const { items, nextCursor } = pageOf(rows, query.limit, (r) => r.cursorKey);
      return { items: items.map((r) => invitationView(r, now)), nextCursor };
    },

    async revokeInvitation(actor: TenantActor, invitationId: string) {
      const now = new Date();
      return withTenant(db, actor, async (scope) => {
        const invitation = await findInvitation(scope, invitationId, { forUpdate: true });
        if (!invitation) throw notFound('Invitation');
        assertMayManage(actor, invitation.role, 'revoke an invitation of');
        if (invitation.acceptedAt) throw new DomainError('INVITATION_USED', 'The invitation has already been accepted');
        if (invitation.revokedAt) return invitationView(invitation, now);
        const row = (await updateInvitation(scope, invitation.id, { revokedAt: now }))!;
        await recordAudit(scope, { action: 'invitation.revoked', entityType: 'invitation', entityId: invitation.id });
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
        // The actor joins this hospital: the scope (and its audit event) is that hospital's.
        return await withTenant(db, { ...actor, hospitalId: found.hospitalId }, async (scope) => {
          const invitation = await findInvitation(scope, found.id, { forUpdate: true });
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
          if (invitation.doctorId && (await findMember(scope, { doctorId: invitation.doctorId }))) throw doctorLinked();
          const member = await insertMember(scope, {
            userId: actor.userId,
            email: invitation.email,
            role: invitation.role,
            doctorId: invitation.doctorId,
          });
          await updateInvitation(scope, invitation.id, { acceptedAt: now, acceptedByUserId: actor.userId });
          await recordAudit(scope, {
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
      const removed = await withTenant(db, actor, async (scope) => {
        const owners = await lockOwners(scope);
        const target = await findMember(scope, { userId });
        if (!target) throw notFound('Member');
        assertMayManage(actor, target.role, 'remove');
        if (target.role === 'owner' && owners.length <= 1) {
          throw new DomainError('LAST_OWNER', 'The last owner cannot be removed; make someone else an owner first', {
            owners: owners.length,
          });
        }
        await deleteMember(scope, target.id);
        await recordAudit(scope, {
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
