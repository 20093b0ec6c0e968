import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { Temporal } from 'temporal-polyfill';
import { rawRows } from '../../src/infra/db/client.ts';
import type { TestApp } from './app.ts';
import type { AppointmentData } from './appointment-factories.ts';

type Auth = { authorization: string };

export interface SeriesData {
  id: string;
  doctorId: string;
  patientId: string;
  start: string;
  durationMinutes: number;
  timezone: string;
  recurrence: { frequency: string; interval: number; count: number | null; until: string | null };
  onConflict: 'fail' | 'skip';
  visitTypeId: string | null;
  occurrences: (AppointmentData & { seriesId: string | null; visitTypeId: string | null; resources: { id: string; kind: string; name: string }[] })[];
  skipped: { start: string; code: string; reason: string; details?: { kind?: string; reason?: string } }[];
}

export function bookSeries(t: TestApp, auth: Auth, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'POST', url: '/v1/appointment-series', headers: { ...auth, ...headers }, payload: body });
}

export async function bookSeriesOk(t: TestApp, auth: Auth, body: Record<string, unknown>): Promise<SeriesData> {
  const res = await bookSeries(t, auth, body);
  if (res.statusCode !== 201) throw new Error(`series failed: ${res.statusCode} ${res.body}`);
  return res.json().data as SeriesData;
}

/** An instant at a local wall-clock time on a local date of `zone`. */
export function localInstant(zone: string, date: Temporal.PlainDate, time: string): Date {
  return new Date(date.toPlainDateTime(Temporal.PlainTime.from(time)).toZonedDateTime(zone).epochMilliseconds);
}

/** The local date and wall-clock time of an instant in `zone`. */
export function wallClock(zone: string, at: string | Date): { date: string; time: string; offset: string } {
  const z = Temporal.Instant.fromEpochMilliseconds(new Date(at).getTime()).toZonedDateTimeISO(zone);
  return { date: z.toPlainDate().toString(), time: z.toPlainTime().toString({ smallestUnit: 'minute' }), offset: z.offset };
}

/** The local date of the zone's next UTC offset change (a DST change) after now. */
export function nextOffsetChange(zone: string): Temporal.PlainDate {
  const transition = Temporal.Now.zonedDateTimeISO(zone).getTimeZoneTransition('next');
  if (!transition) throw new Error(`${zone} has no upcoming offset change`);
  return transition.toPlainDate();
}

/** Series rows and occurrences of a hospital, straight from the database (what was written, whatever the API says). */
export async function seriesRowsOf(t: TestApp, hospitalId: string) {
  const [row] = await rawRows<{ series: number; occurrences: number; events: number }>(
    t.deps.database.db,
    sql`select (select count(*)::int from appointment_series where hospital_id = ${hospitalId}::uuid) as series,
               (select count(*)::int from appointments where hospital_id = ${hospitalId}::uuid and series_id is not null) as occurrences,
               (select count(*)::int from outbox where hospital_id = ${hospitalId}::uuid and type like 'appointment_series.%') as events`,
  );
  return row!;
}

/** The outbox messages about a series (its confirmation and cancel summaries). */
export async function seriesOutbox(t: TestApp, seriesId: string) {
  return rawRows<{ type: string; payload: { seriesId: string; appointmentIds: string[] } }>(
    t.deps.database.db,
    sql`select type, payload from outbox where payload->>'seriesId' = ${seriesId} order by created_at, id`,
  );
}
