import type { InvitationRow } from './invitations.repo.ts';
import type { MemberRow } from './members.repo.ts';

export function memberView(row: MemberRow) {
  return {
    id: row.id,
    hospitalId: row.hospitalId,
    userId: row.userId,
    email: row.email,
    role: row.role,
    doctorId: row.doctorId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function invitationStatus(row: InvitationRow, now: Date = new Date()): 'pending' | 'accepted' | 'expired' | 'revoked' {
  if (row.acceptedAt) return 'accepted';
  if (row.revokedAt) return 'revoked';
  if (row.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'pending';
}

/** Never carries the token: only its hash is stored, and it is not shown either. */
export function invitationView(row: InvitationRow, now: Date = new Date()) {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    doctorId: row.doctorId,
    status: invitationStatus(row, now),
    expiresAt: row.expiresAt.toISOString(),
    acceptedAt: row.acceptedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    invitedByUserId: row.invitedByUserId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
