import type { AvailabilityResult, VisitTypeAvailabilityResult } from './availability.service.ts';
import { CLOCK } from './local-time.ts';
import { slotEnd, slotStart } from './slots.ts';

/*
 * The availability answers' JSON, written directly into the Buffer the route
 * sends: byte for byte the UTF-8 of what fast-json-stringify makes of
 * `ok(result)` under the routes' response schemas (same key order, same
 * escaping; availability.json.test.ts holds the two side by side), at a
 * fraction of its cost. A slot list is the bulk of the answer (2266 slots
 * across a visit type's doctors, ~270 KB), and the schema serializer checked
 * and escaped its strings one by one. A slot's instants are our own
 * formatter's text (digits, `-`, `:`, `T`, `+`) and a doctor id a uuid from
 * the database, so they need no escaping; the other strings go through
 * JSON.stringify.
 *
 * Across doctors the answer is written as bytes, not built as a string: the
 * text built with `+=` was a rope of tens of thousands of pieces, and
 * Buffer.from flattened and encoded it, ~1.1 ms of 1.4 ms for 3720 slots
 * (micro run); one template per day and doctor copied per slot, its clocks
 * written over, costs ~0.35 ms (docs/performance.md, "Availability answers
 * as bytes").
 */

/** The `Content-Type` fastify gives its own JSON answers; the routes send the bytes with it (no schema serializer, no onSend pass over a string). */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Bytes appended to one Buffer, grown by doubling. */
class BytesWriter {
  private buf: Buffer;
  private at = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(size, 64));
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  /** `s` as UTF-8. */
  text(s: string): void {
    this.room(Buffer.byteLength(s));
    this.at += this.buf.write(s, this.at, 'utf8');
  }

  /** A slot's template from `skip` on (1: without its comma), with the CLOCK_BYTES at `startClock` and `endClock` written at its offsets `start` and `end`. */
  slot(template: Uint8Array, skip: number, start: number, end: number, startClock: number, endClock: number): void {
    const n = template.length - skip;
    this.room(n);
    const buf = this.buf;
    const at = this.at - skip;
    buf.set(skip === 0 ? template : template.subarray(skip), this.at);
    const c = CLOCK_BYTES;
    buf[at + start] = c[startClock]!;
    buf[at + start + 1] = c[startClock + 1]!;
    buf[at + start + 3] = c[startClock + 3]!;
    buf[at + start + 4] = c[startClock + 4]!;
    buf[at + end] = c[endClock]!;
    buf[at + end + 1] = c[endClock + 1]!;
    buf[at + end + 3] = c[endClock + 3]!;
    buf[at + end + 4] = c[endClock + 4]!;
    this.at += n;
  }

  /** The bytes written (a view of the Buffer: no copy). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');
/** CLOCK's 1440 `HH:MM` texts as bytes, five per minute of the day. */
const CLOCK_BYTES = utf8(CLOCK.join(''));

const text = (value: string) => JSON.stringify(value);

/** The envelope of src/http/envelope.ts `ok()`: `{ data, message: 'OK' }`; the slot list goes between `head` and the close. */
const open = (head: string) => `{"data":${head}"slots":[`;
const CLOSE = ']},"message":"OK"}';

/**
 * One doctor's answer: each slot's fields in the schema's order. Built as text and encoded once: for a doctor's few
 * hundred slots that is cheaper than the byte writer below (a native write per slot string; 110–170 µs against 245–340 µs
 * for 744 slots, micro run), which pays off across doctors, where one template per day and doctor covers every slot.
 */
export function availabilityJson(r: AvailabilityResult): Buffer {
  let out = open(
    `{"doctorId":${text(r.doctorId)},"timezone":${text(r.timezone)},"from":${text(r.from)},"to":${text(r.to)},"slotMinutes":${r.slotMinutes},` +
      `"visitTypeId":${r.visitTypeId === null ? 'null' : text(r.visitTypeId)},`,
  );
  const slots = r.slots;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    out += `${i === 0 ? '' : ','}{"start":"${slot.start}","end":"${slot.end}"}`;
  }
  return Buffer.from(out + CLOSE);
}

/**
 * Across doctors, straight from the merged slot times. On a uniform day a
 * wall time prints as formatLocal prints it there,
 * `${date}T${CLOCK[minute]}:00${offset}`, so a slot of doctor k on day d is
 * one template made once per (day, doctor) — its whole text, the clocks
 * left blank — copied in one piece, and its two clocks' ten bytes written
 * over the blanks: nothing made per slot. Other days, and an end at or past
 * 24:00, take slotStart and slotEnd themselves.
 */
export function visitTypeAvailabilityJson(r: VisitTypeAvailabilityResult): Buffer {
  const slots = r.slots;
  const head = `{"visitTypeId":${text(r.visitTypeId)},"timezone":${text(r.timezone)},"from":${text(r.from)},"to":${text(r.to)},"durationMinutes":${r.durationMinutes},`;
  const tails = slots.doctorIds.map((id) => `","doctorId":"${id}"}`);
  const doctors = tails.length;
  /** Per day × doctor: `,{"start":"<date>T00:00:00<offset>","end":"<date>T00:00:00<offset>","doctorId":"<id>"}` and where its clocks go. */
  const templates: ({ bytes: Uint8Array; start: number; end: number } | undefined)[] = [];
  const templateOf = (d: number, k: number, date: string, offset: string) => {
    const slot = `${date}T00:00:00${offset}`;
    const bytes = utf8(`,{"start":"${slot}","end":"${slot}${tails[k]}`);
    // Byte offsets (the texts are ASCII; counted as bytes all the same).
    const start = Buffer.byteLength(`,{"start":"${date}T`);
    return (templates[d * doctors + k] = { bytes, start, end: start + Buffer.byteLength(`${slot}","end":"`) });
  };
  const length = slots.slotMinutes;
  // 72 bytes of a doctor's slot plus `,"doctorId":"<uuid>"`: 123 in the common case.
  const out = new BytesWriter(head.length + 64 + slots.startMs.length * 124);
  out.text(open(head));
  for (let i = 0; i < slots.startMs.length; i++) {
    const d = slots.day[i]!;
    const k = slots.doctor[i]!;
    const minute = slots.minute[i]!;
    const uniform = slots.days[d]!.uniform;
    if (uniform && minute + length < 1440) {
      const t = templates[d * doctors + k] ?? templateOf(d, k, uniform.date, uniform.offset);
      out.slot(t.bytes, i === 0 ? 1 : 0, t.start, t.end, minute * 5, (minute + length) * 5);
    } else {
      out.text(`${i === 0 ? '' : ','}{"start":"${slotStart(slots, i)}","end":"${slotEnd(slots, i)}${tails[k]!}`);
    }
  }
  out.text(CLOSE);
  return out.bytes();
}
