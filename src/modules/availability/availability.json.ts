import type { AvailabilityResult, VisitTypeAvailabilityResult } from './availability.service.ts';

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

/** The `Content-Type` fastify gives its own JSON answers; a string answer sent with it skips the schema serializer. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

const text = (value: string) => JSON.stringify(value);

/** `"slots":[...]`: each slot's fields in the schema's order, `doctorId` in the across-doctors answer. */
function slotsJson(slots: readonly { start: string; end: string; doctorId?: string }[]): string {
  let out = '"slots":[';
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    out += `${i === 0 ? '' : ','}{"start":"${slot.start}","end":"${slot.end}"${slot.doctorId === undefined ? '' : `,"doctorId":"${slot.doctorId}"`}}`;
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
    `{"visitTypeId":${text(r.visitTypeId)},"timezone":${text(r.timezone)},"from":${text(r.from)},"to":${text(r.to)},"durationMinutes":${r.durationMinutes},${slotsJson(r.slots)}}`,
  );
}
