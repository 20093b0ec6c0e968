import fastJsonStringify from 'fast-json-stringify';
import { describe, expect, it } from 'vitest';
import { Envelope, ok } from '../../http/envelope.ts';
import { availabilityJson, visitTypeAvailabilityJson } from './availability.json.ts';
import { Availability, DoctorSlot, Slot, VisitTypeAvailability } from './availability.schemas.ts';
import type { AvailabilityResult, VisitTypeAvailabilityResult } from './availability.service.ts';

// The routes' own serializer for the same schemas: the hand-written text must be its output, byte for byte.
const schemaText = (schema: object) => fastJsonStringify(schema as never, { schema: { Slot, DoctorSlot } } as never) as unknown as (value: unknown) => string;
const doctorText = schemaText(Envelope(Availability));
const typeText = schemaText(Envelope(VisitTypeAvailability));

const DOCTOR = '0b8f0c1e-1111-4222-8333-444455556666';
const OTHER = '7c0d3f2a-9999-4aaa-8bbb-cccccccccccc';
const slots = [
  { start: '2026-03-29T01:30:00+01:00', end: '2026-03-29T03:00:00+02:00' },
  { start: '2026-03-29T03:00:00+02:00', end: '2026-03-29T03:30:00+02:00' },
];

describe('availability answers written directly', () => {
  it("are what the response schema's serializer writes for ok(result), slots or none, with or without a visit type", () => {
    const base: AvailabilityResult = { doctorId: DOCTOR, timezone: 'Europe/Berlin', from: '2026-03-28', to: '2026-03-30', slotMinutes: 30, visitTypeId: null, slots };
    for (const result of [base, { ...base, slots: [] }, { ...base, visitTypeId: OTHER, slotMinutes: 90 }, { ...base, timezone: 'odd "zone" \\ \u2028' }]) {
      expect(availabilityJson(result)).toBe(doctorText(ok(result)));
      expect(availabilityJson(result)).toBe(JSON.stringify(ok(result)));
    }
  });

  it('across doctors: each slot carries its doctor id, in the schema order', () => {
    const base: VisitTypeAvailabilityResult = {
      visitTypeId: OTHER,
      timezone: 'America/St_Johns',
      from: '2026-11-01',
      to: '2026-11-01',
      durationMinutes: 45,
      slots: slots.flatMap((s) => [{ ...s, doctorId: DOCTOR }, { ...s, doctorId: OTHER }]),
    };
    for (const result of [base, { ...base, slots: [] }]) {
      expect(visitTypeAvailabilityJson(result)).toBe(typeText(ok(result)));
      expect(visitTypeAvailabilityJson(result)).toBe(JSON.stringify(ok(result)));
    }
  });
});
