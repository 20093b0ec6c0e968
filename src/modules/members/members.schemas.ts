import { Type, type Static } from 'typebox';

const Uuid = Type.String({ format: 'uuid' });
const Instant = Type.String({ format: 'date-time' });
const Role = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('staff'), Type.Literal('doctor')]);

export const Member = Type.Object({
  id: Uuid,
  hospitalId: Uuid,
  userId: Uuid,
  email: Type.String(),
  role: Role,
  doctorId: Type.Union([Uuid, Type.Null()]),
  createdAt: Instant,
  updatedAt: Instant,
});

export const InvitationStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('accepted'),
  Type.Literal('expired'),
  Type.Literal('revoked'),
]);

export const Invitation = Type.Object({
  id: Uuid,
  email: Type.String(),
  role: Role,
  doctorId: Type.Union([Uuid, Type.Null()]),
  status: InvitationStatus,
  expiresAt: Instant,
  acceptedAt: Type.Union([Instant, Type.Null()]),
  revokedAt: Type.Union([Instant, Type.Null()]),
  invitedByUserId: Uuid,
  createdAt: Instant,
  updatedAt: Instant,
});

export const CreateInvitationBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    role: Role,
    doctorId: Type.Optional(Type.String({ format: 'uuid', description: 'Only with role "doctor": the doctor record this member is' })),
  },
  { additionalProperties: false },
);
export type CreateInvitationInput = Static<typeof CreateInvitationBody>;

export const AcceptInvitationBody = Type.Object(
  { token: Type.String({ minLength: 20, maxLength: 200, description: 'The token from the invitation email' }) },
  { additionalProperties: false },
);
export type AcceptInvitationInput = Static<typeof AcceptInvitationBody>;

export const MemberParams = Type.Object({ userId: Uuid }, { additionalProperties: false });
export const InvitationParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const MembersQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type MembersQueryInput = Static<typeof MembersQuery>;

export const InvitationsQuery = Type.Object(
  {
    status: Type.Optional(Type.Literal('pending', { description: 'Only invitations that can still be accepted' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type InvitationsQueryInput = Static<typeof InvitationsQuery>;
