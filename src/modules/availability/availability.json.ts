import type { AvailabilityResult, VisitTypeAvailabilityResult } from './availability.service.ts';
import { CLOCK } from './local-time.ts';
import { slotEnd, slotStart, type DoctorSlotTimes } from './slots.ts';

/*
 * The availability answers' JSON text, written directly: byte for byte what
 * fast-json-stringify makes of `ok(result)` under the routes' response
 * schemas (same key order, same escaping; availability.json.test.ts holds
 * the two side by side), at a fraction of its cost. A slot list is the bulk
 * of the answer (2266 slots across a visit type's doctors, ~270 KB), and the
 * schema serializer checked and escaped its strings one by one: ~0.8 ms for
 * that answer against ~0.1 ms here (micro run). A slot's instants are our own
 * formatter's text (digits, `-`, `:`, `T`, `+`) and a doctor id a uuid from
 * the database, so they need no escaping; the other strings go through
 * JSON.stringify.
 */

/** The `Content-Type` fastify gives its own JSON answers; the routes send the text as a Buffer with it (no schema serializer, no onSend pass over a string). */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

const text = (value: string) => JSON.stringify(value);

/** `"slots":[...]` of one doctor's answer: each slot's fields in the schema's order. */
function slotsJson(slots: readonly { start: string; end: string }[]): string {
  let out = '"slots":[';
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    out += `${i === 0 ? '' : ','}{"start":"${slot.start}","end":"${slot.end}"}`;
  }
  return `${out}]`;
}

/**
 * `"slots":[...]` across doctors, straight from the merged slot times, from
 * pieces made once (no text of its own per slot: ~3x cheaper than a
 * template per slot, and a join of the pieces was slower still, in a micro
 * run). On a uniform day a wall time prints as formatLocal prints it there,
 * `${date}T${CLOCK[minute]}:00${offset}`, from pieces made once per day;
 * other days, and an end at or past 24:00, take slotStart and slotEnd
 * themselves. A doctor's part is made once per doctor.
 */
function doctorSlotsJson(slots: DoctorSlotTimes): string {
  const tails = slots.doctorIds.map((id) => `","doctorId":"${id}"}`);
  const dates = slots.days.map((d) => (d.uniform ? `${d.uniform.date}T` : ''));
  const offsets = slots.days.map((d) => (d.uniform ? `:00${d.uniform.offset}` : ''));
  const length = slots.slotMinutes;
  let out = '"slots":[';
  for (let i = 0; i < slots.startMs.length; i++) {
    const d = slots.day[i]!;
    const minute = slots.minute[i]!;
    out += i === 0 ? '{"start":"' : ',{"start":"';
    if (slots.days[d]!.uniform && minute + length < 1440) {
      out += dates[d]! + CLOCK[minute]! + offsets[d]! + '","end":"' + dates[d]! + CLOCK[minute + length]! + offsets[d]!;
    } else {
      out += slotStart(slots, i) + '","end":"' + slotEnd(slots, i);
    }
    out += tails[slots.doctor[i]!]!;
  }
  return `${out}]`;
}

/** The envelope of src/http/envelope.ts `ok()`: `{ data, message: 'OK' }`. */
const envelope = (data: string) => `{"data":${data},"message":"OK"}`;

export function availabilityJson(r: AvailabilityResult): string {
  return envelope(
    `{"doctorId":${text(r.doctorId)},"timezone":${text(r.timezone)},"from":${text(r.from)},"to":${text(r.to)},"slotMinutes":${r.slotMinutes},` +
      `"visitTypeId":${r.visitTypeId === null ? 'null' : text(r.visitTypeId)},${slotsJson(r.slots)}}`,
  );
}

export function visitTypeAvailabilityJson(r: VisitTypeAvailabilityResult): string {
  return envelope(
    `{"visitTypeId":${text(r.visitTypeId)},"timezone":${text(r.timezone)},"from":${text(r.from)},"to":${text(r.to)},"durationMinutes":${r.durationMinutes},${doctorSlotsJson(r.slots)}}`,
  );
}
