import type { Executor } from '../../infra/db/client.ts';
import { hospitalMembers, type MemberRole } from '../../infra/db/schema/members.ts';

export async function insertMember(
  tx: Executor,
  hospitalId: string,
  member: { userId: string; email: string; role: MemberRole; doctorId?: string | null },
) {
  const [row] = await tx
    .insert(hospitalMembers)
    .values({ hospitalId, userId: member.userId, email: member.email, role: member.role, doctorId: member.doctorId ?? null })
    .returning();
  return row!;
}
