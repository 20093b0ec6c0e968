import type { HospitalSettings } from './hospitals.schemas.ts';
import type { HospitalRow } from './hospitals.repo.ts';

export function hospitalView(row: HospitalRow) {
  return {
    id: row.id,
    name: row.name,
    subdomain: row.subdomain,
    email: row.email,
    phone: row.phone,
    address: row.address,
    timezone: row.timezone,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
export type HospitalView = ReturnType<typeof hospitalView>;

export function publicHospitalView(row: HospitalRow) {
  return { name: row.name, subdomain: row.subdomain, phone: row.phone, address: row.address, timezone: row.timezone };
}

export function settingsView(row: HospitalRow): HospitalSettings {
  return {
    bookingHorizonDays: row.bookingHorizonDays,
    minimumNoticeMinutes: row.minimumNoticeMinutes,
    reminderOffsetsMinutes: row.reminderOffsetsMinutes,
    defaultLanguage: row.defaultLanguage,
    cancellationNoticeMinutes: row.cancellationNoticeMinutes,
    waitlistOfferMinutes: row.waitlistOfferMinutes,
  };
}
