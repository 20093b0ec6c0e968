import type { DoctorRow } from './doctors.repo.ts';

export function doctorView(row: DoctorRow) {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    specialization: row.specialization,
    slotMinutes: row.slotMinutes,
    active: row.active,
    deactivatedAt: row.deactivatedAt ? row.deactivatedAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function publicDoctorView(row: DoctorRow) {
  return { id: row.id, name: row.name, specialization: row.specialization, slotMinutes: row.slotMinutes };
}
