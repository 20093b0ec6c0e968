// The availability module owns the bookable slots of a doctor: weekly hours minus time off, buffers and booked appointments, in the hospital's zone.
import { Temporal } from 'temporal-polyfill';
import { withTenantRead, type Reader, type ReadRouting } from '../../infra/db/replica.ts';
import { notFound, validation } from '../../shared/errors.ts';
import { findHospitalBySubdomain } from '../hospitals/hospitals.repo.ts';
import { findAvailabilityData } from './availability.repo.ts';
import type { AvailabilityInput } from './availability.schemas.ts';
import { computeSlots } from './slots.ts';

export const MAX_AVAILABILITY_DAYS = 31;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** The schema's upper bound for bufferMinutes. */
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
  slots: { start: string; end: string }[];
}

function parseRange(input: AvailabilityInput): { from: Temporal.PlainDate; to: Temporal.PlainDate } {
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
  const days = from.until(to, { largestUnit: 'days' }).days + 1;
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

export function createAvailabilityService({ reads, now = () => new Date() }: AvailabilityServiceDeps) {
  async function compute(
    hospitalId: string,
    doctorId: string,
    range: { from: Temporal.PlainDate; to: Temporal.PlainDate },
    audience: 'tenant' | 'public',
    reader: Reader | null,
  ): Promise<AvailabilityResult> {
    const nowMs = now().getTime();
    // The zone is only known from the row, so the busy window is the local range
    // widened by a day on each side (no zone is a day away from UTC) and by the
    // largest buffer; computeSlots then applies the exact local boundaries.
    const margin = DAY_MS + MAX_BUFFER_MINUTES * MINUTE_MS;
    const windowFrom = Math.max(range.from.toZonedDateTime({ timeZone: 'UTC' }).epochMilliseconds, nowMs) - margin;
    // A range wholly in the past leaves an empty window (tstzrange refuses lower > upper).
    const windowTo = Math.max(windowFrom, range.to.add({ days: 1 }).toZonedDateTime({ timeZone: 'UTC' }).epochMilliseconds + margin);
    const window = { from: new Date(windowFrom), to: new Date(windowTo) };
    return withTenantRead(reads, reader, hospitalId, async (scope) => {
      const data = await findAvailabilityData(scope, doctorId, window);
      if (!data || (audience === 'public' && !data.active)) throw notFound('Doctor');
      const result: AvailabilityResult = {
        doctorId,
        timezone: data.timezone,
        from: range.from.toString(),
        to: range.to.toString(),
        slotMinutes: data.slotMinutes,
        slots: [],
      };
      // A deactivated doctor takes no new bookings: nothing to offer.
      if (!data.active || data.weekly.length === 0) return result;
      const notAfterMs = audience === 'public' ? nowMs + data.bookingHorizonDays * DAY_MS : undefined;
      const slots = computeSlots({
        zone: data.timezone,
        weekly: data.weekly,
        slotMinutes: data.slotMinutes,
        bufferMinutes: data.bufferMinutes,
        from: result.from,
        to: result.to,
        timeOff: data.timeOff,
        appointments: data.appointments,
        notBeforeMs: nowMs + data.minimumNoticeMinutes * MINUTE_MS,
        ...(notAfterMs === undefined ? {} : { notAfterMs }),
      });
      result.slots = slots.map((s) => ({ start: s.start, end: s.end }));
      return result;
    });
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
      return compute(actor.hospitalId, doctorId, parseRange(input), 'tenant', actor);
    },

    /** Public view by subdomain: active doctors only, and no slot beyond the hospital's booking horizon. */
    async forPublic(subdomain: string, doctorId: string, input: AvailabilityInput): Promise<AvailabilityResult> {
      const range = parseRange(input);
      const hospital = await reads.read(null, (replica) => findHospitalBySubdomain(replica, subdomain.toLowerCase()));
      if (!hospital) throw notFound('Hospital');
      return compute(hospital.id, doctorId, range, 'public', null);
    },
  };
}

export type AvailabilityService = ReturnType<typeof createAvailabilityService>;
