import { sql } from 'drizzle-orm';
import { rawRows, type Executor } from '../../infra/db/client.ts';
import type { MemberRole } from '../../infra/db/schema/members.ts';

export interface Identity {
  hospitalId: string | null;
  role: MemberRole | null;
  doctorId: string | null;
  isPlatformAdmin: boolean;
}

/**
 * The caller's membership and operator flag in one round trip. Runs outside a
 * tenant transaction on purpose: this is how the tenant is found.
 */
export async function findIdentity(db: Executor, userId: string): Promise<Identity> {
  const rows = await rawRows<{ hospital_id: string | null; role: MemberRole | null; doctor_id: string | null; is_admin: boolean }>(
    db,
    sql`select m.hospital_id, m.role, m.doctor_id,
               exists (select 1 from platform_admins pa where pa.user_id = ${userId}) as is_admin
          from (select 1) as one
          left join hospital_members m on m.user_id = ${userId}`,
  );
  const row = rows[0];
  return {
    hospitalId: row?.hospital_id ?? null,
    role: row?.role ?? null,
    doctorId: row?.doctor_id ?? null,
    isPlatformAdmin: row?.is_admin === true,
  };
}
