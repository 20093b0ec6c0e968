import type { MemberRole } from '../infra/db/schema/members.ts';

/**
 * The one table of who may do what inside a hospital (SPEC section 3).
 * Routes name a permission; the auth hook checks it; the role-matrix test is
 * generated from this table so the two cannot drift. Finer rules that depend
 * on the object (a doctor writing notes only for their own appointments) live
 * in the services.
 */
export const permissions = {
  'hospital.read': ['owner', 'admin', 'staff', 'doctor'],
  'hospital.update': ['owner', 'admin'],
  'hospital.settings': ['owner', 'admin'],
} as const satisfies Record<string, readonly MemberRole[]>;

export type Permission = keyof typeof permissions;

export function can(role: MemberRole, permission: Permission): boolean {
  return (permissions[permission] as readonly MemberRole[]).includes(role);
}
