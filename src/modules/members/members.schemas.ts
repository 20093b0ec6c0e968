import { Type, type Static } from 'typebox';
import { Email, Instant, Nullable, PageQuery, Uuid } from '../../http/schemas.ts';
import { memberRoles } from '../../infra/db/schema/members.ts';

const Role = Type.Enum([...memberRoles], { description: memberRoles.join(' | ') });

export const Member = Type.Object(
  {
    id: Uuid,
    hospitalId: Uuid,
    userId: Uuid,
    email: Type.String(),
    role: Role,
    doctorId: Nullable(Uuid),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { $id: 'Member' },
);

export const InvitationStatus = Type.Enum(['pending', 'accepted', 'expired', 'revoked']);

export const Invitation = Type.Object(
  {
    id: Uuid,
    email: Type.String(),
    role: Role,
    doctorId: Nullable(Uuid),
    status: InvitationStatus,
    expiresAt: Instant,
    acceptedAt: Nullable(Instant),
    revokedAt: Nullable(Instant),
    invitedByUserId: Uuid,
    createdAt: Instant,
    updatedAt: Instant,
  },
  { $id: 'Invitation' },
);

export const CreateInvitationBody = Type.Object(
  {
    email: Email,
    role: Role,
    doctorId: Type.Optional({ ...Uuid, description: 'Only with role "doctor": the doctor record this member is' }),
  },
  { additionalProperties: false, examples: [{ email: 'sam.lee@clinic.example', role: 'staff' }] },
);
export type CreateInvitationInput = Static<typeof CreateInvitationBody>;

export const AcceptInvitationBody = Type.Object(
  { token: Type.String({ minLength: 20, maxLength: 200, description: 'The token from the invitation email' }) },
  { additionalProperties: false, examples: [{ token: 'k3J9x0QvT2mZ8rW5yB7nC1dF4gH6jL0pS9uV2wX5zA8' }] },
);

export const MemberParams = Type.Object({ userId: Uuid }, { additionalProperties: false });

export const MembersQuery = PageQuery();
export type MembersQueryInput = Static<typeof MembersQuery>;

export const InvitationsQuery = PageQuery({
  status: Type.Optional(Type.Literal('pending', { description: 'Only invitations that can still be accepted' })),
});
export type InvitationsQueryInput = Static<typeof InvitationsQuery>;
