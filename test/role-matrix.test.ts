/**
 * The role matrix: every route × every kind of caller, with the expected
 * status derived from the route's own auth config and the permission table
 * (src/http/permissions.ts), so neither can drift from the other.
 *
 * Every /v1 and /fhir route gets the baseline automatically, from its config alone:
 *   - no token → 401 (public routes: not 401);
 *   - platform-admin routes: the operator gets in, everyone else 403;
 *   - tenant routes: roles the permission lists get in, the others 403; an
 *     operator who is no member 403;
 *   - "gets in" = any status but 401/403 and never a 5xx (the request carries
 *     random ids and an empty body, so it ends at validation or 404).
 * A route listed in MATRIX below is checked exactly instead: its sample
 * request is built per caller (fresh objects where the call changes state)
 * and `ok` is the status of a caller who gets in. To cover a new module's
 * routes precisely, add one entry per route: method, route path as
 * registered, a sample request, the expected status — nothing else.
 */
import { sql } from 'drizzle-orm';
import type { HTTPMethods, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthMode } from '../src/http/auth.ts';
import { userIdForEmail } from '../src/infra/auth/user-id.ts';
import { rawRows } from '../src/infra/db/client.ts';
import { can, permissions, type Permission } from '../src/http/permissions.ts';
import { createTestApp } from './helpers/app.ts';
import { registerHospital, uniqueEmail, uniqueSubdomain, type RegisteredHospital } from './helpers/factories.ts';
import { addMember, insertDoctors, invitationToken, newPlatformAdmin, type TestUser } from './helpers/member-factories.ts';

const CALLERS = ['owner', 'admin', 'staff', 'doctor', 'otherOwner', 'superAdmin', 'anonymous'] as const;
type Caller = (typeof CALLERS)[number];
type MemberCaller = 'owner' | 'admin' | 'staff' | 'doctor';

interface World {
  /** Hospital A: owner, admin, staff and doctor (linked to a doctor row) are its members. */
  a: RegisteredHospital;
  members: Record<MemberCaller, TestUser>;
  /** Hospital B: its owner is "another hospital's owner". */
  b: RegisteredHospital;
  otherOwner: TestUser;
  planId: string;
  /** The doctor row the doctor member is linked to. */
  doctorId: string;
}

interface Who {
  caller: Caller;
  /** null for the anonymous caller. */
  user: TestUser | null;
}

interface SampleRequest {
  /** The concrete URL (defaults to the route path with every :param a random UUID). */
  url?: string;
  payload?: Record<string, unknown>;
}

interface MatrixEntry {
  method: HTTPMethods;
  route: string;
  /** Builds the request for one caller; runs once per caller, so it may create what the call consumes. */
  sample?: (w: World, who: Who) => Promise<SampleRequest> | SampleRequest;
  /** Status for a caller who gets in. */
  ok: number;
  /** Code the body must carry when `ok` is an error status (e.g. OTP_REQUIRED with its 428). */
  okCode?: string;
  /** Overrides for particular callers who get in (another hospital's owner on hospital A's object: 404). */
  byCaller?: Partial<Record<Caller, number>>;
}

const uuid = () => crypto.randomUUID();

// ---------------------------------------------------------------------------
// Exact entries. Add a module's routes here.
// ---------------------------------------------------------------------------
const MATRIX: MatrixEntry[] = [
  // hospitals
  {
    method: 'POST',
    route: '/v1/hospitals',
    sample: () => ({ payload: { name: 'Matrix', subdomain: uniqueSubdomain('mx'), email: uniqueEmail('c'), timezone: 'UTC' } }),
    // Every member already has a hospital; the operator (no membership) may register one.
    ok: 409,
    byCaller: { superAdmin: 201 },
  },
  { method: 'GET', route: '/v1/hospitals/me', ok: 200 },
  { method: 'PATCH', route: '/v1/hospitals/me', sample: () => ({ payload: { name: 'Renamed' } }), ok: 428, okCode: 'OTP_REQUIRED' },
  // One code per hospital per interval: the owner's request uses hospital A's, the admin's is throttled.
  { method: 'POST', route: '/v1/hospitals/me/otp', ok: 202, byCaller: { admin: 429 } },
  { method: 'GET', route: '/v1/hospitals/me/settings', ok: 200 },
  { method: 'PATCH', route: '/v1/hospitals/me/settings', sample: () => ({ payload: { minimumNoticeMinutes: 15 } }), ok: 200 },
  { method: 'GET', route: '/v1/public/hospitals/:subdomain', sample: (w) => ({ url: `/v1/public/hospitals/${w.a.subdomain}` }), ok: 200 },

  // subscriptions and plans
  { method: 'GET', route: '/v1/plans', ok: 200 },
  { method: 'GET', route: '/v1/hospitals/me/subscription', ok: 200 },
  { method: 'POST', route: '/v1/hospitals/me/subscription', sample: () => ({ payload: { planCode: 'basic' } }), ok: 200 },
  { method: 'GET', route: '/v1/admin/plans', ok: 200 },
  {
    method: 'POST',
    route: '/v1/admin/plans',
    sample: () => ({
      payload: {
        code: `mx-${uuid().slice(0, 8)}`,
        name: 'Matrix',
        priceCents: 100,
        currency: 'USD',
        interval: 'year',
        limits: { maxDoctors: 1, maxAppointmentsPerMonth: 1 },
      },
    }),
    ok: 201,
  },
  { method: 'PATCH', route: '/v1/admin/plans/:id', sample: (w) => ({ url: `/v1/admin/plans/${w.planId}`, payload: { name: 'Renamed' } }), ok: 200 },
  { method: 'GET', route: '/v1/admin/hospitals', ok: 200 },
  {
    method: 'PUT',
    route: '/v1/admin/hospitals/:id/subscription',
    sample: (w) => ({ url: `/v1/admin/hospitals/${w.a.id}/subscription`, payload: { planCode: 'pro' } }),
    ok: 200,
  },

  // members and invitations
  { method: 'GET', route: '/v1/hospitals/me/members', ok: 200 },
  {
    method: 'DELETE',
    route: '/v1/hospitals/me/members/:userId',
    sample: async (w) => ({ url: `/v1/hospitals/me/members/${(await addMember(t, w.a, 'staff')).userId}` }),
    ok: 200,
    byCaller: { otherOwner: 404 },
  },
  { method: 'POST', route: '/v1/hospitals/me/invitations', sample: () => ({ payload: { email: uniqueEmail('inv'), role: 'staff' } }), ok: 201 },
  { method: 'GET', route: '/v1/hospitals/me/invitations', ok: 200 },
  {
    method: 'DELETE',
    route: '/v1/hospitals/me/invitations/:id',
    sample: async (w) => {
      const res = await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/invitations', headers: w.a.auth, payload: { email: uniqueEmail('inv'), role: 'staff' } });
      return { url: `/v1/hospitals/me/invitations/${res.json().data.id}` };
    },
    ok: 200,
    byCaller: { otherOwner: 404 },
  },
  {
    method: 'POST',
    route: '/v1/invitations/accept',
    // An invitation to the caller's own email from a hospital the caller is not in.
    sample: async (w, who) => {
      if (!who.user) return { payload: { token: 'x'.repeat(43) } };
      const from = who.caller === 'otherOwner' || who.caller === 'superAdmin' ? w.a : w.b;
      await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/invitations', headers: from.auth, payload: { email: who.user.email, role: 'staff' } });
      return { payload: { token: await invitationToken(t, from.id, who.user.email) } };
    },
    // Members already have a hospital; the operator (no membership) joins.
    ok: 409,
    byCaller: { superAdmin: 200 },
  },

  // audit
  { method: 'GET', route: '/v1/audit-events', ok: 200 },

  // appointments (a doctor acts on their own only; the matrix doctor has no weekly hours)
  { method: 'GET', route: '/v1/appointments', ok: 200 },
  {
    method: 'POST',
    route: '/v1/appointments',
    sample: () => ({ payload: { doctorId: uuid(), patientId: uuid(), start: new Date(Date.now() + 86_400_000).toISOString() } }),
    ok: 404,
    byCaller: { doctor: 403 },
  },
  { method: 'GET', route: '/v1/appointments/:id', sample: async (w) => ({ url: `/v1/appointments/${await matrixAppointment(w, 'future')}` }), ok: 200, byCaller: { otherOwner: 404 } },
  { method: 'POST', route: '/v1/appointments/:id/cancel', sample: async (w) => ({ url: `/v1/appointments/${await matrixAppointment(w, 'future')}/cancel` }), ok: 200, byCaller: { otherOwner: 404 } },
  {
    method: 'POST',
    route: '/v1/appointments/:id/reschedule',
    sample: async (w) => ({ url: `/v1/appointments/${await matrixAppointment(w, 'future')}/reschedule`, payload: { start: new Date(Date.now() + 2 * 86_400_000).toISOString() } }),
    ok: 422,
    byCaller: { otherOwner: 404 },
  },
  { method: 'POST', route: '/v1/appointments/:id/complete', sample: async (w) => ({ url: `/v1/appointments/${await matrixAppointment(w, 'past')}/complete` }), ok: 200, byCaller: { otherOwner: 404 } },
  { method: 'POST', route: '/v1/appointments/:id/no-show', sample: async (w) => ({ url: `/v1/appointments/${await matrixAppointment(w, 'past')}/no-show` }), ok: 200, byCaller: { otherOwner: 404 } },

  // waitlist (as appointments: a doctor adds entries for themselves only; random ids end at 404 for whoever gets in)
  { method: 'GET', route: '/v1/waitlist', ok: 200 },
  {
    method: 'POST',
    route: '/v1/waitlist',
    sample: () => ({ payload: { patientId: uuid(), doctorId: uuid(), earliest: '2030-01-01', latest: '2030-01-31' } }),
    ok: 404,
    byCaller: { doctor: 403 },
  },
  { method: 'DELETE', route: '/v1/waitlist/:id', sample: () => ({ url: `/v1/waitlist/${uuid()}` }), ok: 404 },

  // calendar feeds: owner/admin for any doctor, the doctor for their own calendar
  {
    method: 'POST',
    route: '/v1/doctors/:id/calendar-feed',
    sample: (w) => ({ url: `/v1/doctors/${w.doctorId}/calendar-feed` }),
    ok: 201,
    byCaller: { otherOwner: 404 },
  },
  // appointment series (as appointments: a doctor books for themselves only; random ids end at 404 for whoever gets in)
  {
    method: 'POST',
    route: '/v1/appointment-series',
    sample: () => ({
      payload: { doctorId: uuid(), patientId: uuid(), start: new Date(Date.now() + 86_400_000).toISOString(), recurrence: { frequency: 'daily', count: 2 } },
    }),
    ok: 404,
    byCaller: { doctor: 403 },
  },
  { method: 'GET', route: '/v1/appointment-series/:id', sample: () => ({ url: `/v1/appointment-series/${uuid()}` }), ok: 404 },
  { method: 'POST', route: '/v1/appointment-series/:id/cancel', sample: () => ({ url: `/v1/appointment-series/${uuid()}/cancel`, payload: {} }), ok: 404 },

  // visit notes (written by the matrix doctor on their own appointment; never readable by staff)
  {
    method: 'POST',
    route: '/v1/appointments/:id/visit-notes',
    sample: async (w) => ({ url: `/v1/appointments/${await matrixAppointment(w, 'past')}/visit-notes`, payload: { plan: 'Matrix plan' } }),
    ok: 201,
  },
  { method: 'PUT', route: '/v1/visit-notes/:id', sample: async (w) => ({ url: `/v1/visit-notes/${(await matrixNote(w)).id}`, payload: { plan: 'Revised' } }), ok: 200 },
  { method: 'GET', route: '/v1/visit-notes/:id', sample: async (w) => ({ url: `/v1/visit-notes/${(await matrixNote(w)).id}` }), ok: 200, byCaller: { otherOwner: 404 } },
  { method: 'GET', route: '/v1/visit-notes/:id/versions', sample: async (w) => ({ url: `/v1/visit-notes/${(await matrixNote(w)).id}/versions` }), ok: 200, byCaller: { otherOwner: 404 } },
  { method: 'GET', route: '/v1/patients/:id/visit-notes', sample: async (w) => ({ url: `/v1/patients/${(await matrixNote(w)).patientId}/visit-notes` }), ok: 200, byCaller: { otherOwner: 404 } },

  // FHIR R4 (read and search under the /v1 permissions) and the published slots
  { method: 'GET', route: '/fhir/R4/metadata', ok: 200 },
  ...(['Practitioner', 'Patient', 'Location', 'Schedule', 'Slot', 'Appointment'] as const).map((type) => ({ method: 'GET' as const, route: `/fhir/R4/${type}`, ok: 200 })),
  { method: 'GET', route: '/fhir/R4/Location/:id', sample: (w) => ({ url: `/fhir/R4/Location/${w.a.id}` }), ok: 200, byCaller: { otherOwner: 404 } },
  { method: 'GET', route: '/v1/public/hospitals/:subdomain/$bulk-publish', sample: (w) => ({ url: `/v1/public/hospitals/${w.a.subdomain}/$bulk-publish` }), ok: 200 },

  // public booking: anyone, with or without a token, gets the same answer (no role is needed or used)
  {
    method: 'POST',
    route: '/v1/public/hospitals/:subdomain/holds',
    sample: (w) => ({ url: `/v1/public/hospitals/${w.a.subdomain}/holds`, payload: { doctorId: w.doctorId, start: new Date(Date.now() - 3_600_000).toISOString() } }),
    ok: 422,
    okCode: 'IN_THE_PAST',
  },
  { method: 'POST', route: '/v1/public/holds/:id/contact', sample: () => ({ payload: { name: 'Matrix', email: 'matrix@example.org' } }), ok: 404 },
  { method: 'POST', route: '/v1/public/holds/:id/confirm', sample: () => ({ payload: { code: '123456' } }), ok: 404 },
];

/** A visit note the matrix doctor wrote on a new appointment of theirs. */
async function matrixNote(w: World): Promise<{ id: string; patientId: string }> {
  const appointmentId = await matrixAppointment(w, 'past');
  const res = await t.app.inject({ method: 'POST', url: `/v1/appointments/${appointmentId}/visit-notes`, headers: w.members.doctor.auth, payload: { plan: 'Matrix plan' } });
  if (res.statusCode !== 201) throw new Error(`matrix note failed: ${res.statusCode} ${res.body}`);
  return res.json().data;
}

/** A scheduled appointment of hospital A's matrix doctor (written with SQL), an hour apart from every other one. */
let appointmentSlot = 0;
async function matrixAppointment(w: World, when: 'past' | 'future'): Promise<string> {
  const hour = 3_600_000;
  const start = when === 'past' ? Date.now() - (++appointmentSlot + 1) * hour : Date.now() + 30 * 86_400_000 + ++appointmentSlot * hour;
  const [row] = await rawRows<{ id: string }>(
    t.deps.database.db,
    sql`with p as (insert into patients (hospital_id, name) values (${w.a.id}, 'Matrix patient') returning id)
        insert into appointments (hospital_id, doctor_id, patient_id, starts_at, ends_at)
        select ${w.a.id}, m.doctor_id, p.id, ${new Date(start).toISOString()}::timestamptz, ${new Date(start + hour / 2).toISOString()}::timestamptz
          from p, hospital_members m where m.user_id = ${w.members.doctor.userId}
        returning id`,
  );
  return row!.id;
}

// ---------------------------------------------------------------------------

interface RouteAuth {
  method: string;
  url: string;
  auth: AuthMode;
  permission: Permission | undefined;
}

const registered: RouteOptions[] = [];
const t = await createTestApp({ build: { onRoute: (route) => void registered.push(route) } });
afterAll(() => t.close());

/** Every /v1 and /fhir route with its final config (read after registration: plugins may adjust config in their own onRoute hooks). */
const routes: RouteAuth[] = registered
  .flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({ r, method: method.toUpperCase() })))
  .filter(({ r, method }) => (r.url.startsWith('/v1/') || r.url.startsWith('/fhir/')) && method !== 'HEAD')
  .map(({ r, method }) => ({
    method,
    url: r.url,
    auth: (r.config as { auth?: AuthMode } | undefined)?.auth ?? 'tenant',
    permission: (r.config as { permission?: Permission } | undefined)?.permission,
  }));
const keyOf = (method: string, url: string) => `${method.toUpperCase()} ${url}`;
const entries = new Map(MATRIX.map((e) => [keyOf(e.method, e.route), e]));

/** What the permission table and the route config say a caller gets: 'in', or the refusal status. */
function gate(route: RouteAuth, caller: Caller): 'in' | 401 | 403 {
  if (route.auth === 'public') return 'in';
  if (caller === 'anonymous') return 401;
  if (route.auth === 'user') return 'in';
  if (route.auth === 'platform-admin') return caller === 'superAdmin' ? 'in' : 403;
  if (caller === 'superAdmin') return 403; // an operator is not a member of any hospital
  const role = caller === 'otherOwner' ? 'owner' : caller;
  return !route.permission || can(role, route.permission) ? 'in' : 403;
}

let world: World;
beforeAll(async () => {
  const a = await registerHospital(t);
  const b = await registerHospital(t);
  const [doctorId] = await insertDoctors(t, a.id, 1);
  const asUser = (h: RegisteredHospital): TestUser => ({ email: h.ownerEmail, userId: userIdForEmail(h.ownerEmail), token: h.ownerToken, auth: h.auth });
  // A plan of its own to rename (the seeded ones are shared by every suite on the services target).
  const [plan] = await rawRows<{ id: string }>(
    t.deps.database.db,
    sql`insert into subscription_plans (code, name, price_cents, currency, interval, max_doctors, max_appointments_per_month, active)
        values (${`matrix-${uuid().slice(0, 8)}`}, 'Matrix', 0, 'USD', 'month', 1, 1, false) returning id`,
  );
  world = {
    a,
    b,
    otherOwner: asUser(b),
    planId: plan!.id,
    doctorId: doctorId!,
    members: {
      owner: asUser(a),
      admin: await addMember(t, a, 'admin'),
      staff: await addMember(t, a, 'staff'),
      doctor: await addMember(t, a, 'doctor', { doctorId }),
    },
  };
});

async function identity(caller: Caller): Promise<Who> {
  if (caller === 'anonymous') return { caller, user: null };
  if (caller === 'superAdmin') return { caller, user: await newPlatformAdmin(t) }; // fresh: some calls make it a member
  if (caller === 'otherOwner') return { caller, user: world.otherOwner };
  return { caller, user: world.members[caller] };
}

describe('route table', () => {
  it('lists every matrix entry among the registered routes (no stale entries)', () => {
    const known = new Set(routes.map((r) => keyOf(r.method, r.url)));
    expect(MATRIX.map((e) => keyOf(e.method, e.route)).filter((k) => !known.has(k))).toEqual([]);
  });

  it('gives every tenant route a permission from the one table', () => {
    const missing = routes.filter((r) => r.auth === 'tenant' && (!r.permission || !(r.permission in permissions)));
    expect(missing.map((r) => keyOf(r.method, r.url))).toEqual([]);
  });
});

describe('role matrix', () => {
  for (const route of routes) {
    const key = keyOf(route.method, route.url);
    const entry = entries.get(key);
    const label = route.auth === 'tenant' ? `${route.permission}` : route.auth;
    it(`${key} (${label}${entry ? '' : ', baseline'})`, async () => {
      const expected: Record<string, number | string> = {};
      const actual: Record<string, number | string> = {};
      for (const caller of CALLERS) {
        const who = await identity(caller);
        const sample: SampleRequest = entry?.sample ? await entry.sample(world, who) : {};
        const url = sample.url ?? route.url.replace(/:[A-Za-z]+/g, () => uuid());
        const payload = sample.payload ?? (['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined);
        const res = await t.app.inject({
          method: route.method as HTTPMethods,
          url,
          ...(who.user ? { headers: who.user.auth } : {}),
          ...(payload !== undefined ? { payload } : {}),
        });
        const g = gate(route, caller);
        if (g !== 'in') {
          expected[caller] = g;
          actual[caller] = res.statusCode;
        } else if (entry) {
          expected[caller] = entry.byCaller?.[caller] ?? entry.ok;
          actual[caller] = res.statusCode;
          if (entry.okCode && actual[caller] === expected[caller] && res.json().code !== entry.okCode) {
            actual[caller] = `${res.statusCode} ${res.json().code}`;
          }
        } else {
          expected[caller] = 'in';
          actual[caller] = res.statusCode === 401 || res.statusCode === 403 || res.statusCode >= 500 ? res.statusCode : 'in';
        }
        if (actual[caller] !== expected[caller]) actual[caller] = `${actual[caller]} (${res.body.slice(0, 160)})`;
      }
      expect(actual).toEqual(expected);
    });
  }
});
