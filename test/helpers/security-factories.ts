import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { HTTPMethods, RouteOptions } from 'fastify';
import type { AuthMode } from '../../src/http/auth.ts';
import { can, type Permission } from '../../src/http/permissions.ts';
import { userIdForEmail } from '../../src/infra/auth/user-id.ts';
import { rawRows } from '../../src/infra/db/client.ts';
import type { MemberRole } from '../../src/infra/db/schema/members.ts';
import { createTestApp, type TestApp, type TestAppOptions } from './app.ts';
import { injectChecked } from './contract.ts';
import { bookOk, daysAheadAt } from './appointment-factories.ts';
import { registerHospital, uniqueEmail, type RegisteredHospital } from './factories.ts';
import { addMember, type TestUser } from './member-factories.ts';
import { bookSeriesOk } from './series-factories.ts';
import { createDoctor, createPatient, everyDay, insertAppointment, putSchedule } from './scheduling-factories.ts';
import { writeNote } from './visit-note-factories.ts';
import { slotId } from '../../src/modules/fhir/mapping/references.ts';
import { createSignedTokens } from '../../src/infra/crypto/signed-token.ts';
import { TenantScope, withTenant } from '../../src/infra/db/tenant.ts';
import { OFFER_TOKEN_PURPOSE, offerSlot, systemActor } from '../../src/modules/waitlist/offer-engine.ts';
import { createManageLinks } from '../../src/modules/manage/manage-links.ts';

/**
 * Shared fixtures of the OWASP suites (test/security): a hospital with one
 * real object of every kind, the routes as the app registered them, and the
 * OpenAPI document, so the suites derive their cases from the app itself and
 * a new route is covered (or fails loudly) without editing them.
 */

// ---------------------------------------------------------------------------
// The app's routes and its OpenAPI document
// ---------------------------------------------------------------------------

export interface AppRoute {
  method: string;
  /** As registered: /v1/doctors/:id */
  url: string;
  /** As documented: /v1/doctors/{id} */
  path: string;
  auth: AuthMode;
  permission: Permission | undefined;
}

const toOpenApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

/** Pass `collector.onRoute` to createTestApp({ build: { onRoute } }); read `collector.routes()` after start. */
export function routeCollector() {
  const seen: RouteOptions[] = [];
  return {
    onRoute: (route: RouteOptions) => void seen.push(route),
    /** Every route and method (HEAD and the CORS OPTIONS catch-all excluded), with its final config. */
    routes(): AppRoute[] {
      return seen
        .flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({ r, method: String(method).toUpperCase() })))
        .filter(({ method }) => method !== 'HEAD' && method !== 'OPTIONS')
        .map(({ r, method }) => ({
          method,
          url: r.url,
          path: toOpenApiPath(r.url),
          auth: (r.config as { auth?: AuthMode } | undefined)?.auth ?? 'tenant',
          permission: (r.config as { permission?: Permission } | undefined)?.permission,
        }));
    },
  };
}

export interface OpenApiParameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema?: Record<string, unknown>;
}

export interface OpenApiOperation {
  method: string;
  path: string;
  parameters: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown>; required?: string[] } }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
}

/** Request bodies with their `$ref`s to named schemas inlined, so the suites can walk every level. */
function inlineRefs(value: unknown, schemas: Record<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((v) => inlineRefs(v, schemas));
  if (!value || typeof value !== 'object') return value;
  const ref = (value as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) return inlineRefs(schemas[ref.slice('#/components/schemas/'.length)], schemas);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inlineRefs(v, schemas)]));
}

export async function openApiOperations(t: TestApp): Promise<OpenApiOperation[]> {
  const res = await injectChecked(t, { method: 'GET', url: '/docs/openapi.json' });
  if (res.statusCode !== 200) throw new Error(`openapi.json: ${res.statusCode}`);
  const doc = res.json() as {
    paths: Record<string, Record<string, Omit<OpenApiOperation, 'method' | 'path'>>>;
    components: { schemas: Record<string, unknown> };
  };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, op]) => ({
        ...op,
        requestBody: inlineRefs(op.requestBody, doc.components.schemas) as OpenApiOperation['requestBody'],
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
      })),
  );
}

export const pathParams = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
export const bodyProperties = (op: OpenApiOperation) =>
  Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {});

/** Fills `{name}` placeholders; `valueOf` gets the parameter and the literal segment before it. */
export function fillPath(path: string, valueOf: (param: string, segment: string) => string): string {
  const parts = path.split('/');
  return parts
    .map((part, i) => {
      const m = /^\{(\w+)\}$/.exec(part);
      return m ? encodeURIComponent(valueOf(m[1]!, parts[i - 1] ?? '')) : part;
    })
    .join('/');
}

// ---------------------------------------------------------------------------
// A hospital with one real object of every kind
// ---------------------------------------------------------------------------

export interface SecurityWorld {
  hospital: RegisteredHospital;
  owner: TestUser;
  /** A doctor member linked to `ids.doctor` (writes the visit note). */
  doctorMember: TestUser;
  staff: TestUser;
  /** Unique text stored in this hospital's objects: it must never show up in another hospital's responses. */
  marker: string;
  /** The webhook's signing secret, as shown once at creation: no other answer may contain it. */
  webhookSecret: string;
  ids: {
    doctor: string;
    timeOff: string;
    patient: string;
    /** A future, scheduled appointment booked through the API. */
    appointment: string;
    /** A completed appointment carrying the visit note. */
    pastAppointment: string;
    note: string;
    /** The staff member's user id (members are addressed by user id). */
    memberUserId: string;
    invitation: string;
    /** The plan the hospital's subscription is on. */
    plan: string;
    /** A weekly appointment series of two future occurrences. */
    series: string;
    /**
     * A free FHIR Slot of the doctor (slots have no row of their own): a
     * Monday at 09:00 UTC, inside both the world's hours and the weekly hours
     * the sample PUT /schedule request sets, on a day nothing is booked.
     */
    slot: string;
    /** An exam room, its time off, a visit type the doctor offers that needs it, and a closure. */
    resource: string;
    resourceTimeOff: string;
    visitType: string;
    closure: string;
    /** The file name (`<token>.ics`) of the doctor's calendar feed. */
    calendarFeedFile: string;
    webhook: string;
    /** The webhook's test delivery (queued: no messaging runs in the security suites). */
    webhookDelivery: string;
    /** A waitlist entry of the patient for the doctor (its note carries the marker). */
    waitlistEntry: string;
    /** The link token of a pending waitlist offer to that entry (a slot held for it). */
    offerToken: string;
    /** A slot held on the public booking page (expires after HOLD_MINUTES). */
    hold: string;
    /** The manage link token (SPEC section 15) of a scheduled appointment of its own, so a suite cancelling through it leaves `appointment` alone. */
    manageToken: string;
    manageAppointment: string;
  };
}

type Auth = { authorization: string };

/** Where the worlds' webhooks point: a public address (never called, no worker runs in these suites). */
export const PUBLIC_HOOK = 'https://93.184.216.34/tempus';

function asUser(h: RegisteredHospital): TestUser {
  return { email: h.ownerEmail, userId: userIdForEmail(h.ownerEmail), token: h.ownerToken, auth: h.auth };
}

/** The first Monday at least `days` ahead, 09:00 UTC. */
function nextMondayAt9(days: number): Date {
  const d = daysAheadAt(days, 9);
  while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

/** One of everything, through the API where it is cheap and with SQL where the API would need a past date. */
export async function securityWorld(t: TestApp, label: string): Promise<SecurityWorld> {
  const marker = `${label}-${randomBytes(5).toString('hex')}`;
  const hospital = await registerHospital(t, { timezone: 'UTC', name: `Clinic ${marker}` });
  const auth: Auth = hospital.auth;
  const doctor = await createDoctor(t, auth, { name: `Dr ${marker}`, email: uniqueEmail(`doc-${label}`) });
  await putSchedule(t, auth, doctor.id, { weekly: everyDay('00:00', '24:00') });
  const timeOff = await injectChecked(t, {
    method: 'POST',
    url: `/v1/doctors/${doctor.id}/time-off`,
    headers: auth,
    payload: { start: daysAheadAt(20, 8).toISOString(), end: daysAheadAt(20, 9).toISOString(), reason: `Leave ${marker}` },
  });
  if (timeOff.statusCode !== 201) throw new Error(`time off failed: ${timeOff.statusCode} ${timeOff.body}`);
  const patient = await createPatient(t, auth, { name: `Pat ${marker}`, email: uniqueEmail(`pat-${label}`) });
  const appointment = await bookOk(t, auth, { doctorId: doctor.id, patientId: patient.id, start: daysAheadAt(3, 10).toISOString(), reason: `Visit ${marker}` });
  const doctorMember = await addMember(t, hospital, 'doctor', { doctorId: doctor.id });
  const start = daysAheadAt(-2, 10);
  const pastAppointment = await insertAppointment(t, hospital.id, {
    doctorId: doctor.id,
    patientId: patient.id,
    start,
    end: new Date(start.getTime() + 30 * 60_000),
    status: 'completed',
  });
  const note = await writeNote(t, doctorMember.auth, pastAppointment, { plan: `Plan ${marker}` });
  const staff = await addMember(t, hospital, 'staff');
  const invitation = await injectChecked(t, {
    method: 'POST',
    url: '/v1/hospitals/me/invitations',
    headers: auth,
    payload: { email: uniqueEmail(`inv-${label}`), role: 'staff' },
  });
  if (invitation.statusCode !== 201) throw new Error(`invitation failed: ${invitation.statusCode} ${invitation.body}`);
  const series = await bookSeriesOk(t, auth, {
    doctorId: doctor.id,
    patientId: patient.id,
    start: daysAheadAt(8, 10).toISOString(),
    reason: `Series ${marker}`,
    recurrence: { frequency: 'weekly', count: 2 },
  });
  const resource = await createdOk(t, auth, '/v1/resources', { name: `Room ${marker}`, kind: 'exam-room' });
  const resourceTimeOff = await createdOk(t, auth, `/v1/resources/${resource}/time-off`, {
    start: daysAheadAt(21, 8).toISOString(),
    end: daysAheadAt(21, 9).toISOString(),
    reason: `Service ${marker}`,
  });
  const visitType = await createdOk(t, auth, '/v1/visit-types', { name: `Visit ${marker}`, durationMinutes: 30, doctorIds: [doctor.id], requires: ['exam-room'] });
  const closure = await createdOk(t, auth, '/v1/hospitals/me/closures', {
    start: daysAheadAt(60, 0).toISOString(),
    end: daysAheadAt(61, 0).toISOString(),
    reason: `Closed ${marker}`,
  });
  const subscription = await injectChecked(t, { method: 'GET', url: '/v1/hospitals/me/subscription', headers: auth });
  if (subscription.statusCode !== 200) throw new Error(`subscription failed: ${subscription.statusCode} ${subscription.body}`);
  const feed = await injectChecked(t, { method: 'POST', url: `/v1/doctors/${doctor.id}/calendar-feed`, headers: auth });
  if (feed.statusCode !== 201) throw new Error(`calendar feed failed: ${feed.statusCode} ${feed.body}`);
  // A public IP literal: passes the SSRF guard without DNS; nothing is sent (no messaging here).
  const webhook = await injectChecked(t, { method: 'POST', url: '/v1/webhooks', headers: auth, payload: { url: `${PUBLIC_HOOK}/${marker}`, events: ['patient.created'] } });
  if (webhook.statusCode !== 201) throw new Error(`webhook failed: ${webhook.statusCode} ${webhook.body}`);
  const webhookTest = await injectChecked(t, { method: 'POST', url: `/v1/webhooks/${webhook.json().data.id}/test`, headers: auth });
  const managed = await bookOk(t, auth, { doctorId: doctor.id, patientId: patient.id, start: daysAheadAt(4, 10).toISOString(), reason: `Managed ${marker}` });
  const manageToken = manageTokenFor(t, hospital.id, managed);
  // The patient moves it once through the link: the audit log holds a patient action (the actorPatientId filter finds it).
  const moved = await injectChecked(t, { method: 'POST', url: `/v1/public/manage/${manageToken}/reschedule`, payload: { start: daysAheadAt(4, 11).toISOString() } });
  if (moved.statusCode !== 200) throw new Error(`manage reschedule failed: ${moved.statusCode} ${moved.body}`);
  if (webhookTest.statusCode !== 202) throw new Error(`webhook test failed: ${webhookTest.statusCode} ${webhookTest.body}`);
  const waitlistEntry = await createdOk(t, auth, '/v1/waitlist', {
    patientId: patient.id,
    doctorId: doctor.id,
    visitTypeId: visitType,
    earliest: daysAheadAt(1, 0).toISOString().slice(0, 10),
    latest: daysAheadAt(30, 0).toISOString().slice(0, 10),
    note: `Waiting ${marker}`,
  });
  // A real offer of a free slot to that entry, made by the offer engine itself (no messaging runs here to trigger it).
  const tokens = createSignedTokens(t.deps.serverSecret);
  const offerStart = daysAheadAt(12, 15);
  const offer = await withTenant(t.deps.database.db, hospital.id, (base) =>
    offerSlot(
      new TenantScope(base.tx, hospital.id, systemActor(`security-${marker}`)),
      { doctorId: doctor.id, visitTypeId: visitType, start: offerStart, end: new Date(offerStart.getTime() + 30 * 60_000) },
      { tokens, publicBaseUrl: t.config.env.PUBLIC_BASE_URL },
    ),
  );
  if (!offer) throw new Error('security world: the offer engine made no offer');
  const offerToken = tokens.sign(OFFER_TOKEN_PURPOSE, { o: offer.id, h: hospital.id }, offer.expiresAt);
  const hold = await injectChecked(t, {
    method: 'POST',
    url: `/v1/public/hospitals/${hospital.subdomain}/holds`,
    payload: { doctorId: doctor.id, start: daysAheadAt(9, 10).toISOString() },
  });
  if (hold.statusCode !== 201) throw new Error(`public hold failed: ${hold.statusCode} ${hold.body}`);
  return {
    hospital,
    owner: asUser(hospital),
    doctorMember,
    staff,
    marker,
    webhookSecret: webhook.json().data.secret,
    ids: {
      doctor: doctor.id,
      timeOff: timeOff.json().data.id,
      patient: patient.id,
      appointment: appointment.id,
      pastAppointment,
      note: note.id,
      memberUserId: staff.userId,
      invitation: invitation.json().data.id,
      plan: subscription.json().data.plan.id,
      series: series.id,
      slot: slotId(doctor.id, nextMondayAt9(8).getTime()),
      resource,
      resourceTimeOff,
      visitType,
      closure,
      calendarFeedFile: String(feed.json().data.url).split('/').pop()!,
      webhook: webhook.json().data.id,
      webhookDelivery: webhookTest.json().data.id,
      waitlistEntry,
      offerToken,
      hold: hold.json().data.id,
      manageToken,
      manageAppointment: managed.id,
    },
  };
}

/** The token of an appointment's manage link, signed as the app signs the links in its emails. */
export function manageTokenFor(t: TestApp, hospitalId: string, appointment: { id: string; end: string }): string {
  const links = createManageLinks(createSignedTokens(t.deps.serverSecret), t.config.env.PUBLIC_BASE_URL);
  return links.manageUrl({ hospitalId, id: appointment.id, endsAt: new Date(appointment.end) }).split('/manage/')[1]!;
}

/** POST a create and answer the new object's id (the fixture fails loudly otherwise). */
async function createdOk(t: TestApp, auth: Auth, url: string, payload: Record<string, unknown>): Promise<string> {
  const res = await injectChecked(t, { method: 'POST', url, headers: auth, payload });
  if (res.statusCode !== 201) throw new Error(`${url} failed: ${res.statusCode} ${res.body}`);
  return res.json().data.id as string;
}

/**
 * The real id of `world` a path parameter stands for, read from the literal
 * segment before it (`/v1/doctors/{id}` → the doctor). A new kind of route
 * fails here with a message saying what to add, so it cannot go untested.
 */
export function idFor(world: SecurityWorld, param: string, segment: string, path: string): string {
  switch (segment) {
    case 'doctors':
      return world.ids.doctor;
    case 'time-off':
      return path.startsWith('/v1/resources/') ? world.ids.resourceTimeOff : world.ids.timeOff;
    case 'resources':
      return world.ids.resource;
    case 'visit-types':
      return world.ids.visitType;
    case 'closures':
      return world.ids.closure;
    case 'patients':
      return world.ids.patient;
    case 'appointments':
      // A note is written on the completed one; every other action is valid on either.
      return path.endsWith('/visit-notes') ? world.ids.pastAppointment : world.ids.appointment;
    case 'visit-notes':
      return world.ids.note;
    case 'members':
      return world.ids.memberUserId;
    case 'invitations':
      return world.ids.invitation;
    case 'hospitals':
      // Operators address hospitals by id; the public pages by subdomain.
      return path.startsWith('/v1/admin/') ? world.hospital.id : world.hospital.subdomain;
    case 'plans':
      return world.ids.plan;
    case 'appointment-series':
      return world.ids.series;
    // The FHIR API (/fhir/R4/<Type>/{id}): the same objects under their FHIR names.
    case 'Practitioner':
    case 'Schedule':
      return world.ids.doctor;
    case 'Patient':
      return world.ids.patient;
    case 'Appointment':
      return world.ids.appointment;
    case 'Location':
      return world.hospital.id;
    case 'Slot':
      return world.ids.slot;
    case 'HealthcareService':
      return world.ids.visitType;
    case 'webhooks':
      return world.ids.webhook;
    case 'calendar':
      return world.ids.calendarFeedFile;
    case 'deliveries':
      return world.ids.webhookDelivery;
    case 'waitlist':
      return world.ids.waitlistEntry;
    case 'offers':
      return world.ids.offerToken;
    case 'holds':
      return world.ids.hold;
    case 'manage':
      return world.ids.manageToken;
    case 'dead-letters':
      // No delivery of the world has died: an id that matches nothing (operator-only route, API5).
      return '00000000-0000-4000-8000-000000000000';
    default:
      throw new Error(`test/helpers/security-factories.ts idFor(): no real object for {${param}} after "${segment}" in ${path}; add one to securityWorld`);
  }
}

/** The member of `world` who holds `permission` (owner for everything but writing visit notes, which only doctors do). */
export function memberWith(world: SecurityWorld, permission: Permission | undefined): TestUser {
  const candidates: [MemberRole, TestUser][] = [
    ['owner', world.owner],
    ['doctor', world.doctorMember],
    ['staff', world.staff],
  ];
  const found = candidates.find(([role]) => !permission || can(role, permission));
  if (!found) throw new Error(`no member of the world holds ${permission}`);
  return found[1];
}

/** Someone who passes a route's gate: nobody (public), an operator (platform-admin), else the member holding its permission. */
export function callerOf(world: SecurityWorld, route: AppRoute, operator: TestUser): TestUser | null {
  if (route.auth === 'public') return null;
  if (route.auth === 'platform-admin') return operator;
  if (route.auth === 'user') return world.owner;
  return memberWith(world, route.permission);
}

/** Valid bodies for routes that take one (so a refusal is about the object, not the input). */
export function sampleBody(method: string, path: string): Record<string, unknown> | undefined {
  const samples: Record<string, Record<string, unknown>> = {
    'PATCH /v1/doctors/{id}': { name: 'Renamed by another hospital' },
    'PUT /v1/doctors/{id}/schedule': { weekly: [{ day: 'monday', start: '09:00', end: '10:00' }] },
    'POST /v1/doctors/{id}/time-off': { start: daysAheadAt(40, 8).toISOString(), end: daysAheadAt(40, 9).toISOString() },
    'PATCH /v1/patients/{id}': { name: 'Renamed by another hospital' },
    'PATCH /v1/resources/{id}': { name: 'Renamed by another hospital' },
    'POST /v1/resources/{id}/time-off': { start: daysAheadAt(41, 8).toISOString(), end: daysAheadAt(41, 9).toISOString() },
    'PATCH /v1/visit-types/{id}': { name: 'Renamed by another hospital' },
    'POST /v1/patients/{id}/erase': { reason: 'Erased by another hospital' },
    'POST /v1/appointments/{id}/visit-notes': { plan: 'Written by another hospital' },
    'PUT /v1/visit-notes/{id}': { plan: 'Written by another hospital' },
    'POST /v1/appointments/{id}/cancel': { reason: 'Cancelled by another hospital' },
    'POST /v1/appointments/{id}/reschedule': { start: daysAheadAt(5, 11).toISOString() },
    'POST /v1/appointments/{id}/complete': {},
    'POST /v1/appointments/{id}/no-show': {},
    'POST /v1/appointment-series/{id}/cancel': { reason: 'Cancelled by another hospital' },
    'POST /v1/public/manage/{token}/cancel': { reason: 'Cancelled through the link' },
    'POST /v1/public/manage/{token}/reschedule': { start: daysAheadAt(5, 12).toISOString() },
    'PATCH /v1/admin/plans/{id}': { name: 'Renamed' },
    'PATCH /v1/webhooks/{id}': { events: ['patient.created', 'patient.updated'] },
    'PUT /v1/admin/hospitals/{id}/subscription': { planCode: 'basic' },
  };
  return samples[`${method} ${path}`];
}

/**
 * A valid body for every route that takes one, ids taken from `world`
 * (API3 adds one forbidden field to each, so the only error is that field).
 * Undefined for a route nobody has written a sample for yet.
 */
export function validBody(world: SecurityWorld, method: string, path: string): Record<string, unknown> | undefined {
  const samples: Record<string, Record<string, unknown>> = {
    'POST /v1/hospitals': { name: 'Clinic', subdomain: `s-${randomBytes(5).toString('hex')}`, email: uniqueEmail('clinic'), timezone: 'UTC' },
    'PATCH /v1/hospitals/me': { name: 'Renamed' },
    'PATCH /v1/hospitals/me/settings': { minimumNoticeMinutes: 5 },
    'POST /v1/hospitals/me/subscription': { planCode: 'basic' },
    'POST /v1/admin/plans': { code: `p-${randomBytes(4).toString('hex')}`, name: 'Plan', priceCents: 0, currency: 'USD', interval: 'month', limits: { maxDoctors: 1, maxAppointmentsPerMonth: 1 } },
    'POST /v1/hospitals/me/invitations': { email: uniqueEmail('inv'), role: 'staff' },
    'POST /v1/webhooks': { url: `${PUBLIC_HOOK}/${randomBytes(4).toString('hex')}`, events: ['appointment.booked'] },
    'POST /v1/invitations/accept': { token: 'x'.repeat(43) },
    'POST /v1/doctors': { name: 'Dr New', email: uniqueEmail('doc') },
    'POST /v1/patients': { name: 'Pat New' },
    'POST /v1/resources': { name: 'Room New', kind: 'exam-room' },
    'POST /v1/visit-types': { name: 'Visit New', durationMinutes: 30, doctorIds: [world.ids.doctor] },
    'POST /v1/hospitals/me/closures': { start: daysAheadAt(70, 0).toISOString(), end: daysAheadAt(71, 0).toISOString(), reason: 'Closed' },
    'POST /v1/appointments': { doctorId: world.ids.doctor, patientId: world.ids.patient, start: daysAheadAt(6, 9).toISOString() },
    'POST /v1/waitlist': { patientId: world.ids.patient, doctorId: world.ids.doctor, earliest: daysAheadAt(1, 0).toISOString().slice(0, 10), latest: daysAheadAt(9, 0).toISOString().slice(0, 10) },
    'POST /v1/public/offers/{token}/accept': {},
    'POST /v1/public/manage/{token}/waitlist': {},
    'POST /v1/public/offers/{token}/decline': {},
    'POST /v1/appointment-series': {
      doctorId: world.ids.doctor,
      patientId: world.ids.patient,
      start: daysAheadAt(25, 9).toISOString(),
      recurrence: { frequency: 'daily', count: 2 },
    },
    'POST /v1/public/hospitals/{subdomain}/holds': { doctorId: world.ids.doctor, start: daysAheadAt(12, 9).toISOString() },
    'POST /v1/public/holds/{id}/contact': { name: 'Visitor', email: uniqueEmail('visitor') },
    'POST /v1/public/holds/{id}/confirm': { code: '123456' },
  };
  return samples[`${method} ${path}`] ?? sampleBody(method, path);
}

/** Query strings a route cannot do without. */
export function sampleQuery(method: string, path: string): string {
  if (method === 'GET' && path.endsWith('/availability')) {
    const day = (d: number) => daysAheadAt(d, 0).toISOString().slice(0, 10);
    return `?from=${day(1)}&to=${day(7)}`;
  }
  return '';
}

// ---------------------------------------------------------------------------
// "Nothing changed": a digest of everything a hospital owns
// ---------------------------------------------------------------------------

/** Rows that change on their own (deliveries progress in the background) are compared by count only. */
const ASYNC_TABLES = new Set(['outbox', 'notification_deliveries', 'dead_letters', 'scheduled_tasks']);

/**
 * A fingerprint of every row of every table with a hospital_id (found in the
 * catalog, so new tables are included), plus the hospital row itself. Read as
 * the table owner, so row-level security does not hide anything.
 */
export async function hospitalDigest(t: TestApp, hospitalId: string): Promise<Record<string, string>> {
  const db = t.deps.database.db;
  const tables = await rawRows<{ table_name: string }>(
    db,
    sql`select table_name from information_schema.columns
         where table_schema = 'public' and column_name = 'hospital_id' order by table_name`,
  );
  const digest: Record<string, string> = {};
  for (const { table_name: table } of tables) {
    const ident = sql.identifier(table);
    const [row] = ASYNC_TABLES.has(table)
      ? await rawRows<{ d: string }>(db, sql`select count(*)::text as d from ${ident} where hospital_id = ${hospitalId}`)
      : await rawRows<{ d: string }>(
          db,
          sql`select count(*)::text || ':' || coalesce(md5(string_agg(x::text, '|' order by x::text)), '') as d
                from ${ident} x where hospital_id = ${hospitalId}`,
        );
    digest[table] = row!.d;
  }
  const [hospital] = await rawRows<{ d: string }>(db, sql`select md5(h::text) as d from hospitals h where id = ${hospitalId}`);
  digest.hospitals = hospital!.d;
  return digest;
}

// ---------------------------------------------------------------------------
// Leak detection
// ---------------------------------------------------------------------------

/** Stack frames, file paths, SQL and driver messages: none of it belongs in a response. */
export const INTERNALS = /(\n\s+at |node_modules|\.ts:\d+|\.js:\d+|syntax error at|relation "|column "|duplicate key|violates|SELECT |INSERT |UPDATE |DELETE FROM|SQLSTATE|stack|pglite|drizzle)/i;

/** A request as `user` (anonymous when null); its answer is checked against the OpenAPI contract (test/helpers/contract.ts). */
export function callAs(t: TestApp, user: { auth: Auth } | null, method: string, url: string, payload?: unknown) {
  return injectChecked(t, {
    method: method as HTTPMethods,
    url,
    ...(user ? { headers: user.auth } : {}),
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
}

/** The route registered for a documented operation. */
export const findRoute = (routes: AppRoute[], op: { method: string; path: string }) =>
  routes.find((r) => r.method === op.method && r.path === op.path)!;

/**
 * A test app whose routes are known twice over — as registered (with their
 * auth config) and as documented in OpenAPI — which is what the generated
 * security suites iterate.
 */
export async function startInventoriedApp(options: TestAppOptions = {}): Promise<{ t: TestApp; ops: OpenApiOperation[]; routes: AppRoute[] }> {
  const collector = routeCollector();
  const t = await createTestApp({ ...options, build: { ...options.build, onRoute: collector.onRoute } });
  return { t, ops: await openApiOperations(t), routes: collector.routes() };
}
