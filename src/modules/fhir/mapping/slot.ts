import type { Slot } from '@medplum/fhirtypes';
import { ref, slotId } from './references.ts';

/** SMART Scheduling Links: the web page where a person books this slot. */
export const BOOKING_DEEP_LINK = 'http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link';

export interface SlotFacts {
  doctorId: string;
  start: string;
  end: string;
  status: 'free' | 'busy';
}

/** A computed slot (or a booked time, `busy`) as a FHIR Slot of the doctor's Schedule. */
export function toSlot(slot: SlotFacts, bookingUrl?: string): Slot {
  return {
    resourceType: 'Slot',
    id: slotId(slot.doctorId, Date.parse(slot.start)),
    schedule: { reference: ref.schedule(slot.doctorId) },
    status: slot.status,
    start: new Date(slot.start).toISOString(),
    end: new Date(slot.end).toISOString(),
    ...(bookingUrl ? { extension: [{ url: BOOKING_DEEP_LINK, valueUrl: bookingUrl }] } : {}),
  };
}

/** `${base}/book/<subdomain>?doctor=<id>&start=<instant>`: the booking page opened on this slot. */
export function bookingLink(baseUrl: string, subdomain: string, slot: { doctorId: string; start: string }): string {
  const url = new URL(`${baseUrl}/book/${encodeURIComponent(subdomain)}`);
  url.searchParams.set('doctor', slot.doctorId);
  url.searchParams.set('start', new Date(slot.start).toISOString());
  return url.toString();
}
