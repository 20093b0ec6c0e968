/**
 * A client's booking flow written only against the types openapi-typescript
 * generates from the published document (`tempus-openapi-types` is that
 * generated file: test/contract/client.test.ts generates it from the live
 * app and type-checks this file against it, then runs the flow). Nothing here
 * knows the server's code: if the document is wrong or incomplete, this file
 * does not type-check or the flow fails.
 *
 * Deliberately as a client writes it: no `limit` (the default applies), no
 * body where every field is optional (cancel), replay with Idempotency-Key.
 */
import { randomUUID } from 'node:crypto';
import createClient from 'openapi-fetch';
import type { components, paths } from 'tempus-openapi-types';

type ErrorEnvelope = components['schemas']['ErrorEnvelope'];

export interface FlowOptions {
  baseUrl: string;
  /** A bearer token for a new user (who registers the hospital and owns it). */
  token: string;
  /** Every request goes through this fetch (the test records the answers). */
  fetch: (request: Request) => Promise<Response>;
}

export interface FlowResult {
  hospitalId: string;
  appointmentId: string;
  replayed: string | null;
  listed: number;
  rescheduledStart: string;
  cancelledStatus: string;
  errors: Record<'unauthorized' | 'notFound' | 'conflict' | 'inThePast', ErrorEnvelope['code']>;
}

function must<T>(result: { data?: T; error?: unknown; response: Response }, step: string): T {
  if (result.data === undefined) throw new Error(`${step}: ${result.response.status} ${JSON.stringify(result.error)}`);
  return result.data;
}

function refused(result: { error?: ErrorEnvelope; response: Response }, step: string, status: number): ErrorEnvelope['code'] {
  if (!result.error || result.response.status !== status) throw new Error(`${step}: expected ${status}, got ${result.response.status}`);
  return result.error.code;
}

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

export async function bookingFlow({ baseUrl, token, fetch }: FlowOptions): Promise<FlowResult> {
  const client = createClient<paths>({ baseUrl, fetch, headers: { authorization: `Bearer ${token}` } });
  const anonymous = createClient<paths>({ baseUrl, fetch });
  const tag = randomUUID().slice(0, 8);

  const hospital = must(
    await client.POST('/v1/hospitals', {
      body: { name: `Flow Clinic ${tag}`, subdomain: `flow-${tag}`, email: `desk-${tag}@clinic.example`, timezone: 'UTC' },
    }),
    'register',
  ).data;

  const doctor = must(await client.POST('/v1/doctors', { body: { name: 'Dr Flow', email: `dr-${tag}@clinic.example` } }), 'doctor').data;
  const everyDay = (['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const).map((d) => ({
    day: d,
    start: '08:00',
    end: '18:00',
  }));
  must(await client.PUT('/v1/doctors/{id}/schedule', { params: { path: { id: doctor.id } }, body: { weekly: everyDay, slotMinutes: 30 } }), 'schedule');

  const patient = must(await client.POST('/v1/patients', { body: { name: 'Pat Flow', email: `pat-${tag}@mail.example` } }), 'patient').data;

  const availability = must(
    await client.GET('/v1/doctors/{id}/availability', { params: { path: { id: doctor.id }, query: { from: day(2), to: day(4) } } }),
    'availability',
  ).data;
  const [first, second] = availability.slots;
  if (!first || !second) throw new Error('availability: fewer than two slots');

  const key = randomUUID();
  const book = () =>
    client.POST('/v1/appointments', {
      params: { header: { 'idempotency-key': key } },
      body: { doctorId: doctor.id, patientId: patient.id, start: first.start, reason: 'Check-up' },
    });
  const booked = must(await book(), 'book').data;
  const replay = await book();
  if (must(replay, 'replay').data.id !== booked.id) throw new Error('replay: a different appointment');

  const listed = must(await client.GET('/v1/appointments'), 'list').data.length;

  const moved = must(
    await client.POST('/v1/appointments/{id}/reschedule', { params: { path: { id: booked.id } }, body: { start: second.start } }),
    'reschedule',
  ).data;
  const cancelled = must(await client.POST('/v1/appointments/{id}/cancel', { params: { path: { id: booked.id } } }), 'cancel').data;

  const clash = must(await client.POST('/v1/appointments', { body: { doctorId: doctor.id, patientId: patient.id, start: first.start } }), 'rebook').data;
  const errors = {
    unauthorized: refused(await anonymous.GET('/v1/hospitals/me'), 'anonymous', 401),
    notFound: refused(await client.GET('/v1/appointments/{id}', { params: { path: { id: randomUUID() } } }), 'missing', 404),
    conflict: refused(await client.POST('/v1/appointments', { body: { doctorId: doctor.id, patientId: patient.id, start: clash.start } }), 'clash', 409),
    inThePast: refused(
      await client.POST('/v1/appointments', { body: { doctorId: doctor.id, patientId: patient.id, start: new Date(Date.now() - 3_600_000).toISOString() } }),
      'past',
      422,
    ),
  };

  return {
    hospitalId: hospital.id,
    appointmentId: booked.id,
    replayed: replay.response.headers.get('idempotent-replayed'),
    listed,
    rescheduledStart: moved.start,
    cancelledStatus: cancelled.status,
    errors,
  };
}
