import type { Appointment } from '@medplum/fhirtypes';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { AppointmentRow } from '../appointments/appointments.repo.ts';
import { resourcesOf } from '../appointments/resource-bookings.repo.ts';
import { visitTypeNames } from './fhir.repo.ts';
import { toAppointment } from './mapping/appointment.ts';

/**
 * Appointments as FHIR, with their visit type's name and the rooms and devices
 * they hold: two queries for the lot, none when no row has a visit type. The
 * FHIR API and the patient's export both map through here, so an exported
 * visit says what the API says about it.
 */
export async function toFhirAppointments(scope: TenantScope, rows: AppointmentRow[]): Promise<Appointment[]> {
  const typed = rows.filter((r) => r.visitTypeId);
  if (typed.length === 0) return rows.map((row) => toAppointment({ ...row, visitType: null, resources: [] }));
  const held = await resourcesOf(scope, typed.map((r) => r.id));
  const names = await visitTypeNames(scope, typed.map((r) => r.visitTypeId!));
  return rows.map((row) => {
    const name = row.visitTypeId ? names.get(row.visitTypeId) : undefined;
    return toAppointment({ ...row, visitType: name ? { id: row.visitTypeId!, name } : null, resources: held.get(row.id) ?? [] });
  });
}
