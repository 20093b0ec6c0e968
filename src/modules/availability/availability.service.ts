// The availability module owns the bookable slots of a doctor: weekly hours minus time off, buffers and booked appointments, in the hospital's zone.
import { Temporal } from 'temporal-polyfill';
import type { Reader, ReadRouting } from '../../infra/db/replica.ts';
import { DomainError, notFound, validation } from '../../shared/errors.ts';
import { findHospitalBySubdomain } from '../hospitals/hospitals.repo.ts';
import { findAvailabilityData, findVisitTypeAvailabilityData, type AvailabilityVisitType } from './availability.repo.ts';
import type { AvailabilityInput, VisitTypeAvailabilityInput } from './availability.schemas.ts';
import { localDays, utcMidnight } from './local-time.ts';
import { computeSlots, computeSlotTimes, mergeSlotTimes, resourceRefusals, type DoctorSlotTimes, type SlotQuery } from './slots.ts';

export const MAX_AVAILABILITY_DAYS = 31;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** The schemas' upper bound for a buffer (the doctor's, and each side of a visit type's). */
const MAX_BUFFER_MINUTES = 240;

export interface AvailabilityServiceDeps {
  /** Availability reads the replica when there is one (DATABASE_READ_URL). */
  reads: ReadRouting;
  /** The current time; tests of the pure slot function inject their own, the HTTP path uses the real one. */
  now?: () => Date;
}

export interface AvailabilityResult {
  doctorId: string;
  timezone: string;
  from: string;
  to: string;
  slotMinutes: number;
  visitTypeId: string | null;
  slots: { start: string; end: string }[];
}

export interface VisitTypeAvailabilityResult {
  visitTypeId: string;
  timezone: string;
  from: string;
  to: string;
  durationMinutes: number;
  /** By start, then doctor id; kept as numbers until the answer is written (availability.json.ts), as 2266 slots' objects and texts were most of its cost. */
  slots: DoctorSlotTimes;
}

type Range = { from: Temporal.PlainDate; to: Temporal.PlainDate };

/** The slot query's visit-type part: its length, buffers and resource needs. */
const typeQuery = (type: AvailabilityVisitType): Pick<SlotQuery, 'slotMinutes' | 'bufferBeforeMinutes' | 'bufferAfterMinutes' | 'resources'> => ({
  slotMinutes: type.durationMinutes,
  bufferBeforeMinutes: type.bufferBeforeMinutes,
  bufferAfterMinutes: type.bufferAfterMinutes,
  resources: type.resources,
});

/**
 * The zone is only known from the row, so the busy window is the local range
 * widened by a day on each side (no zone is a day away from UTC) and by the
 * largest reach of buffers (the doctor's, and a visit type's on both sides of
 * the slot and of a neighbour); computeSlots then applies the exact local
 * boundaries. A range wholly in the past leaves an empty window.
 */
function busyWindow(range: Range, nowMs: number): { from: Date; to: Date } {
  const margin = DAY_MS + 3 * MAX_BUFFER_MINUTES * MINUTE_MS;
  // Plain UTC arithmetic: a Temporal zone conversion costs more here than the slots of a day.
  const from = Math.max(utcMidnight(range.from), nowMs) - margin;
  const to = Math.max(from, utcMidnight(range.to) + DAY_MS + margin);
  return { from: new Date(from), to: new Date(to) };
}

function parseRange(input: VisitTypeAvailabilityInput): Range {
  const parse = (value: string, field: 'from' | 'to') => {
    try {
      return Temporal.PlainDate.from(value, { overflow: 'reject' });
    } catch {
      throw validation(`Invalid querystring: ${field} must be a date YYYY-MM-DD`, {
        fields: [{ field, in: 'querystring', message: 'must be a date YYYY-MM-DD' }],
      });
    }
  };
  const from = parse(input.from, 'from');
  const to = parse(input.to, 'to');
  const days = (utcMidnight(to) - utcMidnight(from)) / DAY_MS + 1;
  if (days < 1) {
    throw validation('Invalid querystring: to must not be before from', {
      fields: [{ field: 'to', in: 'querystring', message: 'must not be before from' }],
    });
  }
  if (days > MAX_AVAILABILITY_DAYS) {
    throw validation(`Invalid querystring: the range may cover at most ${MAX_AVAILABILITY_DAYS} days (from ${input.from} to ${input.to} is ${days})`, {
      fields: [{ field: 'to', in: 'querystring', message: `must be at most ${MAX_AVAILABILITY_DAYS - 1} days after from` }],
    });
  }
  return { from, to };
}

/**
 * Who asks: staff (any window), the public pages (active doctors, bookable-online
 * types, up to the booking horizon), or a patient moving their own visit through
 * its manage link (their doctor and visit type as booked, up to the horizon).
 */
type Audience = 'tenant' | 'public' | 'patient';

export function createAvailabilityService({ reads, now = () => new Date() }: AvailabilityServiceDeps) {
  /** A visit type as this audience may use it: the public sees active, bookable-online ones only (404 otherwise). */
  function usableType(type: AvailabilityVisitType | null, audience: Audience): AvailabilityVisitType {
    if (!type || (audience === 'public' && !(type.active && type.bookableOnline))) throw notFound('Visit type');
    if (!type.active) throw new DomainError('VISIT_TYPE_INACTIVE', 'The visit type is deactivated and takes no bookings', { visitTypeId: type.id });
    return type;
  }

  async function compute(
    hospitalId: string,
    doctorId: string,
    range: Range,
    audience: Audience,
    reader: Reader | null,
    visitTypeId?: string,
  ): Promise<AvailabilityResult> {
    const nowMs = now().getTime();
    // One statement, one round trip with its tenant context (tenantRows); the slots are computed after the connection is back in the pool.
    const data = await reads.read(reader, (db) => findAvailabilityData(db, hospitalId, doctorId, busyWindow(range, nowMs), visitTypeId));
    if (!data || (audience === 'public' && !data.active)) throw notFound('Doctor');
    const type = visitTypeId ? usableType(data.visitType, audience) : null;
    if (type && !data.offered) {
      throw new DomainError('VISIT_TYPE_NOT_OFFERED', 'The doctor does not offer this visit type', { visitTypeId: type.id, doctorId });
    }
    const result: AvailabilityResult = {
      doctorId,
      timezone: data.timezone,
      from: range.from.toString(),
      to: range.to.toString(),
      slotMinutes: type?.durationMinutes ?? data.slotMinutes,
      visitTypeId: type?.id ?? null,
      slots: [],
    };
    // A deactivated doctor takes no new bookings: nothing to offer.
    if (!data.active || data.weekly.length === 0) return result;
    const notAfterMs = audience !== 'tenant' ? nowMs + data.bookingHorizonDays * DAY_MS : undefined;
    const slots = computeSlots({
      zone: data.timezone,
      weekly: data.weekly,
      slotMinutes: data.slotMinutes,
      bufferMinutes: data.bufferMinutes,
      from: result.from,
      to: result.to,
      timeOff: data.timeOff,
      appointments: data.appointments,
      closures: data.closures,
      notBeforeMs: nowMs + data.minimumNoticeMinutes * MINUTE_MS,
      ...(notAfterMs === undefined ? {} : { notAfterMs }),
      ...(type ? typeQuery(type) : {}),
      // From the range's own dates: no parsing them again from text.
      days: localDays(data.timezone, range.from, range.to),
    });
    result.slots = slots.map((s) => ({ start: s.start, end: s.end }));
    return result;
  }

  /** Slots starting in [from, to): compute over the local dates covering the window in any zone (a day either side), then cut at the instants. */
  async function between(hospitalId: string, doctorId: string, window: { from: Date; to: Date }, audience: 'tenant' | 'public', reader: Reader | null) {
    const day = (ms: number) => Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO('UTC').toPlainDate();
    const range = { from: day(window.from.getTime()).subtract({ days: 1 }), to: day(window.to.getTime()).add({ days: 1 }) };
    const result = await compute(hospitalId, doctorId, range, audience, reader);
    const fromMs = window.from.getTime();
    const toMs = window.to.getTime();
    return { ...result, slots: result.slots.filter((s) => Date.parse(s.start) >= fromMs && Date.parse(s.start) < toMs) };
  }

  /** Slots of a visit type across every active doctor offering it, by start then doctor. */
  async function computeForType(hospitalId: string, visitTypeId: string, range: Range, audience: 'tenant' | 'public', reader: Reader | null) {
    const nowMs = now().getTime();
    const data = await reads.read(reader, (db) => findVisitTypeAvailabilityData(db, hospitalId, visitTypeId, busyWindow(range, nowMs)));
    const type = usableType(data?.visitType ?? null, audience);
    const notAfterMs = audience === 'public' ? nowMs + data!.bookingHorizonDays * DAY_MS : undefined;
    // The local days are the same for every doctor: resolved once.
    const days = localDays(data!.timezone, range.from, range.to);
    // By id, so equal starts come out by doctor id; each doctor's slots are already in time order.
    const doctors = [...data!.doctors].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    const typed = typeQuery(type);
    // Where the type's resources are short depends on the type alone: one sweep for every doctor.
    const refusals = resourceRefusals(type.resources, (type.bufferBeforeMinutes + type.durationMinutes + type.bufferAfterMinutes) * MINUTE_MS);
    const perDoctor = doctors.map((doctor) =>
      computeSlotTimes({
        zone: data!.timezone,
        weekly: doctor.weekly,
        bufferMinutes: doctor.bufferMinutes,
        from: range.from.toString(),
        to: range.to.toString(),
        timeOff: doctor.timeOff,
        appointments: doctor.appointments,
        closures: data!.closures,
        notBeforeMs: nowMs + data!.minimumNoticeMinutes * MINUTE_MS,
        ...(notAfterMs === undefined ? {} : { notAfterMs }),
        ...typed,
        days,
        refusals,
      }),
    );
    return {
      visitTypeId,
      timezone: data!.timezone,
      from: range.from.toString(),
      to: range.to.toString(),
      durationMinutes: type.durationMinutes,
      slots: mergeSlotTimes(
        perDoctor,
        doctors.map((d) => d.id),
        { zone: data!.timezone, days, slotMinutes: type.durationMinutes },
      ),
    };
  }

  async function hospitalOf(subdomain: string): Promise<string> {
    const hospital = await reads.read(null, (replica) => findHospitalBySubdomain(replica, subdomain.toLowerCase()));
    if (!hospital) throw notFound('Hospital');
    return hospital.id;
  }

  return {
    /**
     * Staff view over an instant window (the FHIR Slot search): the same
     * slots as forDoctor, cut at instants instead of local dates. The caller
     * bounds the window's length.
     */
    forDoctorBetween(actor: Reader & { hospitalId: string }, doctorId: string, window: { from: Date; to: Date }): Promise<AvailabilityResult> {
      return between(actor.hospitalId, doctorId, window, 'tenant', actor);
    },

    /**
     * Every slot the public pages offer for an active doctor, from now to the
     * booking horizon ($bulk-publish): the public rules, so the published
     * slots are exactly those the public availability lists.
     */
    forPublicHorizon(hospitalId: string, doctorId: string, horizonDays: number): Promise<AvailabilityResult> {
      const nowMs = now().getTime();
      return between(hospitalId, doctorId, { from: new Date(nowMs), to: new Date(nowMs + horizonDays * DAY_MS + 1) }, 'public', null);
    },

    /** Staff view: any window of up to 31 days. */
    forDoctor(actor: Reader & { hospitalId: string }, doctorId: string, input: AvailabilityInput): Promise<AvailabilityResult> {
      return compute(actor.hospitalId, doctorId, parseRange(input), 'tenant', actor, input.visitTypeId);
    },
    /** Public view by subdomain: active doctors only, and no slot beyond the hospital's booking horizon. */
    async forPublic(subdomain: string, doctorId: string, input: AvailabilityInput): Promise<AvailabilityResult> {
      const range = parseRange(input);
      return compute(await hospitalOf(subdomain), doctorId, range, 'public', null, input.visitTypeId);
    },
    forVisitType(actor: Reader & { hospitalId: string }, visitTypeId: string, input: VisitTypeAvailabilityInput): Promise<VisitTypeAvailabilityResult> {
      return computeForType(actor.hospitalId, visitTypeId, parseRange(input), 'tenant', actor);
    },
    /**
     * A patient's own visit (manage link): slots of its doctor and visit type up
     * to the booking horizon, whether or not the type is bookable online (staff
     * booked it; moving it is the patient's right). An inactive doctor offers none.
     */
    forPatient(hospitalId: string, doctorId: string, visitTypeId: string | null, input: VisitTypeAvailabilityInput): Promise<AvailabilityResult> {
      return compute(hospitalId, doctorId, parseRange(input), 'patient', null, visitTypeId ?? undefined);
    },
    /** Public twin: only active, bookable-online types; stops at the booking horizon. */
    async forPublicVisitType(subdomain: string, visitTypeId: string, input: VisitTypeAvailabilityInput): Promise<VisitTypeAvailabilityResult> {
      const range = parseRange(input);
      return computeForType(await hospitalOf(subdomain), visitTypeId, range, 'public', null);
    },
  };
}

export type AvailabilityService = ReturnType<typeof createAvailabilityService>;
