import { sql } from 'drizzle-orm';
import { index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { idColumn, instant, timestamps } from './columns.ts';
import { hospitals } from './hospitals.ts';
import { memberRoles } from './members.ts';

/**
 * An emailed invitation to join a hospital. Only the SHA-256 of the token is
 * stored: the token itself exists in the email alone. Single use
 * (`accepted_at`), expiring (`expires_at`), revocable (`revoked_at`).
 */
export const hospitalInvitations = pgTable(
  'hospital_invitations',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role', { enum: memberRoles }).notNull(),
    doctorId: uuid('doctor_id'),
    tokenHash: text('token_hash').notNull(),
    invitedByUserId: uuid('invited_by_user_id').notNull(),
    expiresAt: instant('expires_at').notNull(),
    acceptedAt: instant('accepted_at'),
    acceptedByUserId: uuid('accepted_by_user_id'),
    revokedAt: instant('revoked_at'),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('hospital_invitations_token_hash_key').on(t.tokenHash),
    index('hospital_invitations_hospital_created_idx').on(t.hospitalId, t.createdAt.desc(), t.id.desc()),
    index('hospital_invitations_pending_email_idx')
      .on(t.hospitalId, t.email)
      .where(sql`${t.acceptedAt} is null and ${t.revokedAt} is null`),
  ],
);
