import type { Static } from 'typebox';
import type { PatientRow } from './patients.repo.ts';
import type { Patient } from './patients.schemas.ts';

export function patientView(row: PatientRow): Static<typeof Patient> {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    dateOfBirth: row.dateOfBirth,
    notificationChannel: row.notificationChannel,
    language: row.language,
    erasedAt: row.erasedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
