import fastJsonStringify from 'fast-json-stringify';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { Envelope, ok } from '../../http/envelope.ts';
import { availabilityJson, visitTypeAvailabilityJson } from './availability.json.ts';
import { Availability, DoctorSlot, Slot, VisitTypeAvailability } from './availability.schemas.ts';
import type { AvailabilityResult, VisitTypeAvailabilityResult } from './availability.service.ts';
import { localDays } from './local-time.ts';
import { computeSlots, computeSlotTimes, mergeSlotTimes } from './slots.ts';

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
      expect(availabilityJson(result).equals(Buffer.from(doctorText(ok(result))))).toBe(true);
      expect(availabilityJson(result).toString()).toBe(JSON.stringify(ok(result)));
    }
  });

  it('across doctors: the merged slot times written as the serializer writes their objects (by start, then doctor), DST days and odd offsets too', () => {
    // Three doctors with overlapping hours (equal starts), one with none; days with an offset change, and an offset with seconds (Temporal's path).
    const weekly = (start: number, end: number) => [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startMinute: start, endMinute: end }));
    const doctors = [
      { id: DOCTOR, weekly: weekly(0, 1440), appointments: [] },
      { id: OTHER, weekly: weekly(60, 600), appointments: [{ startMs: Date.parse('2026-03-29T05:00:00Z'), endMs: Date.parse('2026-03-29T06:00:00Z') }] },
      { id: 'f00dfeed-0000-4000-8000-000000000003', weekly: [], appointments: [] },
      { id: 'f00dfeed-0000-4000-8000-000000000004', weekly: weekly(90, 1380), appointments: [] },
    ];
    const cases = [
      { zone: 'Europe/Berlin', from: '2026-03-28', to: '2026-03-30' },
      { zone: 'America/St_Johns', from: '2026-10-31', to: '2026-11-02' },
      { zone: 'Australia/Lord_Howe', from: '2026-04-04', to: '2026-04-05' },
      { zone: 'Africa/Monrovia', from: '1971-06-01', to: '1971-06-01' },
      // 31 days of an offset with seconds: each slot longer than the writer's estimate, so its Buffer grows mid-answer.
      { zone: 'Africa/Monrovia', from: '1971-06-01', to: '1971-07-01' },
    ];
    for (const { zone, from, to } of cases) {
      const query = (d: (typeof doctors)[number]) => ({ zone, weekly: d.weekly, slotMinutes: 45, bufferMinutes: 0, bufferAfterMinutes: 10, from, to, timeOff: [], appointments: d.appointments, notBeforeMs: 0 });
      const merged = mergeSlotTimes(
        doctors.map((d) => computeSlotTimes(query(d))),
        doctors.map((d) => d.id),
        { zone, days: localDays(zone, Temporal.PlainDate.from(from), Temporal.PlainDate.from(to)), slotMinutes: 45 },
      );
      // The objects computeSlots makes, each doctor's in time order, sorted by start (stable: ties keep the doctors' order).
      const objects = doctors
        .flatMap((d, k) => computeSlots(query(d)).map((s) => ({ k, startMs: s.startMs, slot: { start: s.start, end: s.end, doctorId: d.id } })))
        .sort((x, y) => x.startMs - y.startMs || x.k - y.k)
        .map((x) => x.slot);
      expect(objects.length).toBeGreaterThan(20);
      const result: VisitTypeAvailabilityResult = { visitTypeId: OTHER, timezone: zone, from, to, durationMinutes: 45, slots: merged };
      const asObjects = { ...result, slots: objects };
      expect(visitTypeAvailabilityJson(result).toString()).toBe(typeText(ok(asObjects)));
      expect(visitTypeAvailabilityJson(result).equals(Buffer.from(JSON.stringify(ok(asObjects))))).toBe(true);
    }
    const none = mergeSlotTimes([], [], { zone: 'UTC', days: [], slotMinutes: 5 });
    const empty: VisitTypeAvailabilityResult = { visitTypeId: OTHER, timezone: 'odd "zone" \\ \u2028', from: '2026-11-01', to: '2026-11-01', durationMinutes: 5, slots: none };
    expect(visitTypeAvailabilityJson(empty).equals(Buffer.from(typeText(ok({ ...empty, slots: [] }))))).toBe(true);
  });
});
