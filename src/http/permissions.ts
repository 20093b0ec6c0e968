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
  // Members and invitations: admins manage staff, doctors and admins; only an
  // owner may invite another owner (admin is "everything but ownership").
  'members.read': ['owner', 'admin'],
  'members.invite': ['owner', 'admin'],
  'members.remove': ['owner', 'admin'],
  // Subscription: admins may look, only the owner may change it.
  'subscription.read': ['owner', 'admin'],
  'subscription.change': ['owner'],
  'audit.read': ['owner', 'admin'],
  // Doctors, schedules, availability: staff and doctors read; owner/admin manage
  // doctors; a doctor may write only their own schedule and time off (checked
  // in the schedules service against the membership's doctorId).
  'doctors.read': ['owner', 'admin', 'staff', 'doctor'],
  'doctors.manage': ['owner', 'admin'],
  'schedules.read': ['owner', 'admin', 'staff', 'doctor'],
  'schedules.write': ['owner', 'admin', 'doctor'],
  // Patients: everyone in the hospital reads; doctors do not edit demographics.
  'patients.read': ['owner', 'admin', 'staff', 'doctor'],
  'patients.write': ['owner', 'admin', 'staff'],
  // Appointments: staff book for any doctor; a doctor only for themselves (the
  // appointments service checks the membership's doctorId on every object).
  'appointments.read': ['owner', 'admin', 'staff', 'doctor'],
  'appointments.write': ['owner', 'admin', 'staff', 'doctor'],
  // The waitlist follows appointments: a doctor reads and writes only the entries for themselves (checked in the waitlist service).
  'waitlist.read': ['owner', 'admin', 'staff', 'doctor'],
  'waitlist.write': ['owner', 'admin', 'staff', 'doctor'],
  // Visit notes (clinical): never staff. Only a doctor writes, and only the note
  // of their own appointment (the visit-notes service checks the membership's
  // doctorId against the appointment's doctor); owner, admin and every doctor read.
  'visitNotes.read': ['owner', 'admin', 'doctor'],
  'visitNotes.write': ['doctor'],
  // Resources (rooms, devices), visit types and closures: owner/admin manage;
  // staff and doctors read them (staff book with them).
  'resources.read': ['owner', 'admin', 'staff', 'doctor'],
  'resources.manage': ['owner', 'admin'],
  'visitTypes.read': ['owner', 'admin', 'staff', 'doctor'],
  'visitTypes.manage': ['owner', 'admin'],
  'closures.read': ['owner', 'admin', 'staff', 'doctor'],
  'closures.manage': ['owner', 'admin'],
  // The delivery log (emails and SMS sent to patients and members): the front desk reads it too.
  'notifications.read': ['owner', 'admin', 'staff'],
  // Webhooks send the hospital's events to other systems: who may point them somewhere is an owner/admin decision.
  'webhooks.manage': ['owner', 'admin'],
  // A doctor's secret calendar address: owner/admin for any doctor, a doctor for themselves (checked in the service).
  'calendarFeeds.create': ['owner', 'admin', 'doctor'],
  // Patient data rights (docs/privacy.md): who saw a record and the patient's
  // copy of their data are for the hospital's management; erasure, which
  // cannot be undone, for the owner alone.
  'patients.accessLog': ['owner', 'admin'],
  'patients.export': ['owner', 'admin'],
  'patients.erase': ['owner'],
} as const satisfies Record<string, readonly MemberRole[]>;

export type Permission = keyof typeof permissions;

export function can(role: MemberRole, permission: Permission): boolean {
  return (permissions[permission] as readonly MemberRole[]).includes(role);
}
