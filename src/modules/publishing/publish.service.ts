// SMART Scheduling Links: a hospital's Location, Schedules and free Slots as NDJSON files behind a $bulk-publish manifest.
import { createHash } from 'node:crypto';
import type { Cache } from '../../infra/cache/cache-aside.ts';
import { withTenantRead, type ReadRouting } from '../../infra/db/replica.ts';
import { notFound } from '../../shared/errors.ts';
import type { AvailabilityService } from '../availability/availability.service.ts';
import { activeDoctors, visitTypesByDoctor } from '../fhir/fhir.repo.ts';
import { toLocation } from '../fhir/mapping/location.ts';
import { toSchedule } from '../fhir/mapping/schedule.ts';
import { bookingLink, toSlot } from '../fhir/mapping/slot.ts';
import { findHospitalBySubdomain } from '../hospitals/hospitals.repo.ts';

export const PUBLISHED_TYPES = ['Location', 'Schedule', 'Slot'] as const;
export type PublishedType = (typeof PUBLISHED_TYPES)[number];

export interface PublishedFile {
  body: string;
  etag: string;
}

/** One hospital's published data set, as cached: the three files and when they were computed. */
export interface DataSet {
  hospitalId: string;
  transactionTime: string;
  files: Record<PublishedType, PublishedFile>;
}

export interface Manifest {
  transactionTime: string;
  request: string;
  output: { type: PublishedType; url: string }[];
  error: never[];
}

export interface PublishServiceDeps {
  reads: ReadRouting;
  cache: Cache;
  availability: AvailabilityService;
  /** PUBLIC_BASE_URL */
  baseUrl: string;
  ttlSeconds: number;
  now?: () => Date;
}

/** The cache entry of a hospital's data set; every booking change invalidates it (see invalidation.ts). */
export const publishCacheKey = (hospitalId: string) => `publish:${hospitalId}`;

/** A strong validator of the bytes: the same data set always has the same ETag, whichever process computed it. */
const etagOf = (...parts: string[]) => `"${createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 32)}"`;

const ndjson = (resources: object[]) => resources.map((r) => `${JSON.stringify(r)}\n`).join('');

export function createPublishService({ reads, cache, availability, baseUrl, ttlSeconds, now = () => new Date() }: PublishServiceDeps) {
  const publicUrl = (subdomain: string) => `${baseUrl}/v1/public/hospitals/${encodeURIComponent(subdomain)}/$bulk-publish`;

  async function compute(hospital: NonNullable<Awaited<ReturnType<typeof findHospitalBySubdomain>>>): Promise<DataSet> {
    const transactionTime = now().toISOString();
    const [doctors, offered] = await withTenantRead(reads, null, hospital.id, async (scope) => [await activeDoctors(scope), await visitTypesByDoctor(scope, { online: true })] as const);
    const bookingPage = `${baseUrl}/book/${encodeURIComponent(hospital.subdomain)}`;
    // The public profile's facts only: no email address, as on the hospital's public page.
    const location = toLocation({ ...hospital, email: null }, bookingPage);
    const schedules = doctors.map((d) => toSchedule(d, hospital.id, undefined, offered.get(d.id)));
    // The very slots the public availability offers (public rules: active doctors, notice, horizon).
    const results = await Promise.all(doctors.map((d) => availability.forPublicHorizon(hospital.id, d.id, hospital.bookingHorizonDays)));
    const slots = results
      .flatMap((r) => r.slots.map((s) => ({ doctorId: r.doctorId, start: s.start, end: s.end, status: 'free' as const })))
      .sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || (a.doctorId < b.doctorId ? -1 : 1))
      .map((s) => toSlot(s, bookingLink(baseUrl, hospital.subdomain, s)));
    const file = (resources: object[]): PublishedFile => {
      const body = ndjson(resources);
      return { body, etag: etagOf(body) };
    };
    return { hospitalId: hospital.id, transactionTime, files: { Location: file([location]), Schedule: file(schedules), Slot: file(slots) } };
  }

  async function dataSet(subdomain: string): Promise<DataSet> {
    const hospital = await reads.read(null, (db) => findHospitalBySubdomain(db, subdomain.toLowerCase()));
    if (!hospital) throw notFound('Hospital');
    return cache.getOrLoad(publishCacheKey(hospital.id), ttlSeconds, () => compute(hospital));
  }

  return {
    /**
     * The manifest. With `since` at or after the data set's transactionTime
     * nothing has changed for the client: no output (the SMART spec lets a
     * server answer the full set otherwise, which Tempus does).
     */
    async manifest(subdomain: string, since?: string): Promise<{ manifest: Manifest; etag: string }> {
      const data = await dataSet(subdomain);
      const unchanged = since !== undefined && Date.parse(since) >= Date.parse(data.transactionTime);
      const base = publicUrl(subdomain.toLowerCase());
      const manifest: Manifest = {
        transactionTime: data.transactionTime,
        request: since ? `${base}?_since=${encodeURIComponent(since)}` : base,
        output: unchanged ? [] : PUBLISHED_TYPES.map((type) => ({ type, url: `${base}/${type}.ndjson` })),
        error: [],
      };
      const etag = etagOf(...PUBLISHED_TYPES.map((t) => data.files[t].etag), unchanged ? 'unchanged' : 'full');
      return { manifest, etag };
    },

    async file(subdomain: string, type: PublishedType): Promise<PublishedFile> {
      return (await dataSet(subdomain)).files[type];
    },

    /** After a change of bookings, hours or doctors: the next poll recomputes. */
    invalidate: (hospitalId: string) => cache.invalidate(publishCacheKey(hospitalId)),
  };
}

export type PublishService = ReturnType<typeof createPublishService>;
