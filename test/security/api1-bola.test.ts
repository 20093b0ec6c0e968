/**
 * OWASP API1:2023 Broken Object Level Authorization.
 *
 * Hospital B's members call every documented route that addresses an object
 * by id with hospital A's real ids (the list of routes comes from the OpenAPI
 * document, so a new route is included automatically). Every call must answer
 * 404 NOT_FOUND — never 403, which would confirm the object exists — and
 * nothing of hospital A may change. The same calls with B's own ids must find
 * the objects (so the 404s are not vacuous).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { daysAheadAt } from '../helpers/appointment-factories.ts';
import { addMember, insertDoctors } from '../helpers/member-factories.ts';
import {
  type AppRoute,
  callAs,
  fillPath,
  hospitalDigest,
  idFor,
  manageTokenFor,
  memberWith,
  type OpenApiOperation,
  pathParams,
  sampleBody,
  sampleQuery,
  type SecurityWorld,
  securityWorld,
  startInventoriedApp,
} from '../helpers/security-factories.ts';

let t: TestApp;
let a: SecurityWorld;
let b: SecurityWorld;
let ops: OpenApiOperation[];
let routes: AppRoute[];

beforeAll(async () => {
  ({ t, ops, routes } = await startInventoriedApp());
  [a, b] = [await securityWorld(t, 'a'), await securityWorld(t, 'b')];
});
afterAll(async () => {
  await t.close();
});

/** The machine code of an error: the envelope's `code`, or the FHIR OperationOutcome's first issue coding (/fhir/ routes). */
const errorCodeOf = (body: { code?: string; resourceType?: string; issue?: { details?: { coding?: { code?: string }[] } }[] }) =>
  body.resourceType === 'OperationOutcome' ? body.issue?.[0]?.details?.coding?.[0]?.code : body.code;

const routeOf = (op: OpenApiOperation) => {
  const route = routes.find((r) => r.method === op.method && r.path === op.path);
  if (!route) throw new Error(`${op.method} ${op.path} is documented but not registered`);
  return route;
};

/**
 * Routes that address a tenant's object by id. Operator routes (/v1/admin)
 * are not tenant objects (API5 covers who may call them); a hospital's
 * public profile by subdomain is public by design; a calendar feed's secret
 * address, a waitlist offer's link and a manage link are their own credentials
 * (their tests cover tampered, unknown, expired and used ones), and so is a
 * public hold's id, the visitor's handle on their hold with no hospital in the
 * URL (src/modules/holds/public-holds.test.ts covers unknown ones). A manage
 * link's signed token names its hospital: the test below crosses the
 * hospitals inside the token.
 */
const objectRoutes = () =>
  ops.filter(
    (op) =>
      !op.path.startsWith('/v1/admin/') &&
      !op.path.startsWith('/calendar/') &&
      !op.path.startsWith('/v1/public/offers/') &&
      !op.path.startsWith('/v1/public/manage/') &&
      !op.path.startsWith('/v1/public/holds/') &&
      pathParams(op.path).some((p) => p !== 'subdomain'),
  );

/**
 * Which world each object parameter comes from: all from A, and for paths
 * with two objects every mix with at least one of A's (B's doctor with A's
 * time off is as foreign as A's doctor). The hospital in a public URL is
 * always B: A's own public pages are public.
 */
function combinations(path: string): Record<string, 'a' | 'b'>[] {
  const params = pathParams(path).filter((p) => p !== 'subdomain');
  const all: Record<string, 'a' | 'b'>[] = [];
  for (let mask = 1; mask < 1 << params.length; mask++) {
    all.push(Object.fromEntries(params.map((p, i) => [p, mask & (1 << i) ? 'a' : 'b'])));
  }
  return all;
}

function urlFor(op: OpenApiOperation, pick: (param: string) => SecurityWorld) {
  return fillPath(op.path, (param, segment) => idFor(segment === 'hospitals' ? b : pick(param), param, segment, op.path)) + sampleQuery(op.method, op.path);
}

function callerFor(world: SecurityWorld, route: AppRoute) {
  return route.auth === 'public' ? null : memberWith(world, route.permission);
}

describe('API1 object-level authorization', () => {
  it('answers 404 (not 403) on every route with an id, for another hospital\'s objects, and changes nothing', async () => {
    const targets = objectRoutes();
    // doctors, time off, schedules, availability, patients, appointments and
    // their actions, visit notes, members, invitations, public availability
    expect(targets.length).toBeGreaterThanOrEqual(20);
    const before = await hospitalDigest(t, a.hospital.id);
    const failures: string[] = [];
    let calls = 0;
    for (const op of targets) {
      const route = routeOf(op);
      for (const combo of combinations(op.path)) {
        const url = urlFor(op, (param) => (combo[param] === 'a' ? a : b));
        const body = sampleBody(op.method, op.path) ?? (op.requestBody ? {} : undefined);
        const res = await callAs(t, callerFor(b, route), op.method, url, body);
        calls++;
        const code = res.statusCode === 404 ? errorCodeOf(res.json()) : undefined;
        if (res.statusCode !== 404 || code !== 'NOT_FOUND') failures.push(`${op.method} ${url} -> ${res.statusCode} ${res.body.slice(0, 200)}`);
        if (res.body.includes(a.marker)) failures.push(`${op.method} ${url} leaked hospital A's data`);
      }
    }
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(targets.length);
    expect(await hospitalDigest(t, a.hospital.id)).toEqual(before);
  });

  it("answers 404 to a manage link naming another hospital's appointment, on every manage route, and changes nothing", async () => {
    const manageOps = ops.filter((op) => op.path.startsWith('/v1/public/manage/'));
    expect(manageOps.length).toBeGreaterThanOrEqual(4);
    const before = await hospitalDigest(t, a.hospital.id);
    // Tokens we signed ourselves, so only the hospital inside differs: A's appointment under B, B's under A.
    const crossed = [
      manageTokenFor(t, b.hospital.id, { id: a.ids.manageAppointment, end: daysAheadAt(5, 0).toISOString() }),
      manageTokenFor(t, a.hospital.id, { id: b.ids.manageAppointment, end: daysAheadAt(5, 0).toISOString() }),
    ];
    const failures: string[] = [];
    for (const op of manageOps) {
      for (const token of crossed) {
        const url = op.path.replace('{token}', token) + sampleQuery(op.method, op.path);
        const res = await callAs(t, null, op.method, url, sampleBody(op.method, op.path) ?? (op.requestBody ? {} : undefined));
        if (res.statusCode !== 404 || errorCodeOf(res.json()) !== 'NOT_FOUND') failures.push(`${op.method} ${op.path} -> ${res.statusCode} ${res.body.slice(0, 200)}`);
        if (res.body.includes(a.marker) || res.body.includes(b.marker)) failures.push(`${op.method} ${op.path} leaked a hospital's data`);
      }
    }
    // Control: B's own link reads B's appointment.
    const own = await callAs(t, null, 'GET', `/v1/public/manage/${b.ids.manageToken}`);
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json().data.id).toBe(b.ids.manageAppointment);
    expect(failures).toEqual([]);
    expect(await hospitalDigest(t, a.hospital.id)).toEqual(before);
  });

  it("finds the caller's own objects on the same routes (the 404s above are about ownership)", async () => {
    // Deleting routes (and erasure) last, so B's objects exist as they were for the other calls.
    const last = (op: OpenApiOperation) => Number(op.method === 'DELETE' || op.path.endsWith('/erase'));
    const targets = objectRoutes().sort((x, y) => last(x) - last(y));
    const failures: string[] = [];
    for (const op of targets) {
      const route = routeOf(op);
      const url = urlFor(op, () => b);
      const res = await callAs(t, callerFor(b, route), op.method, url, sampleBody(op.method, op.path) ?? (op.requestBody ? {} : undefined));
      // Any answer about the object itself (200, 201, 409 already-exists, 422 outside hours) proves it was found.
      if (res.statusCode === 404 || res.statusCode === 403 || res.statusCode === 401 || res.statusCode >= 500) {
        failures.push(`${op.method} ${url} -> ${res.statusCode} ${res.body.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("ignores another hospital's ids in list filters (doctorId, patientId, entityId, ...)", async () => {
    const filterValue = (w: SecurityWorld, name: string): string => {
      const known: Record<string, string> = {
        doctorId: w.ids.doctor,
        patientId: w.ids.patient,
        entityId: w.ids.appointment,
        actorUserId: w.owner.userId,
        visitTypeId: w.ids.visitType,
        actorPatientId: w.ids.patient,
      };
      const value = known[name];
      if (!value) throw new Error(`api1-bola: no value for the id filter "${name}"; add it here`);
      return value;
    };
    const lists = ops.filter((op) => op.method === 'GET' && !op.path.startsWith('/v1/admin/') && pathParams(op.path).length === 0);
    const filtered = lists.flatMap((op) =>
      op.parameters.filter((p) => p.in === 'query' && /Id$/.test(p.name)).map((p) => ({ op, name: p.name })),
    );
    expect(filtered.length).toBeGreaterThanOrEqual(4);
    const failures: string[] = [];
    for (const { op, name } of filtered) {
      const caller = memberWith(b, routeOf(op).permission);
      const foreign = await callAs(t, caller, 'GET', `${op.path}?${name}=${filterValue(a, name)}`);
      const data = foreign.statusCode === 200 ? (foreign.json() as { data: unknown[] }).data : null;
      if (!(foreign.statusCode === 404 || (data && data.length === 0))) failures.push(`${op.path}?${name}=A -> ${foreign.statusCode} ${foreign.body.slice(0, 200)}`);
      // Control: the same filter with B's own id finds B's rows.
      const own = await callAs(t, caller, 'GET', `${op.path}?${name}=${filterValue(b, name)}`);
      if (own.statusCode !== 200 || (own.json() as { data: unknown[] }).data.length === 0) failures.push(`${op.path}?${name}=B -> ${own.statusCode} (expected B's rows)`);
    }
    expect(failures).toEqual([]);
  });

  it("never lists another hospital's objects (members, invitations, audit events, notifications, doctors, patients, appointments)", async () => {
    const lists = ops.filter(
      (op) =>
        op.method === 'GET' &&
        !op.path.startsWith('/v1/admin/') &&
        !op.path.startsWith('/v1/public/') &&
        pathParams(op.path).length === 0 &&
        op.parameters.some((p) => p.name === 'limit'),
    );
    expect(lists.map((op) => op.path)).toEqual(
      expect.arrayContaining(['/v1/hospitals/me/members', '/v1/hospitals/me/invitations', '/v1/audit-events', '/v1/notifications', '/v1/doctors', '/v1/patients', '/v1/appointments']),
    );
    const aIds = [...Object.values(a.ids), a.hospital.id, a.owner.userId];
    const failures: string[] = [];
    for (const op of lists) {
      const res = await callAs(t, memberWith(b, routeOf(op).permission), 'GET', `${op.path}?limit=100`);
      if (res.statusCode !== 200) failures.push(`${op.path} -> ${res.statusCode}`);
      for (const leak of [a.marker, ...aIds]) if (res.body.includes(leak)) failures.push(`${op.path} lists hospital A's ${leak}`);
    }
    const search = await callAs(t, b.owner, 'GET', `/v1/patients?search=${encodeURIComponent(a.marker)}`);
    expect(search.json().data).toEqual([]);
    expect(failures).toEqual([]);
  });

  it("keeps a doctor to their own appointments, series, schedule, time off and notes inside the same hospital", async () => {
    // Inside a hospital the rules are per object (SPEC section 3): a doctor
    // does not see colleagues' appointments (404, as if absent), may not write
    // their schedule, time off or notes (403: the doctor itself is no secret),
    // and reads every note (doctors share clinical context).
    const colleague = await addMember(t, a.hospital, 'doctor', { doctorId: (await insertDoctors(t, a.hospital.id, 1))[0]! });
    const before = await hospitalDigest(t, a.hospital.id);
    const expectations: [string, string, unknown, number][] = [
      ['GET', `/v1/appointments/${a.ids.appointment}`, undefined, 404],
      ['POST', `/v1/appointments/${a.ids.appointment}/cancel`, {}, 404],
      ['POST', `/v1/appointments/${a.ids.appointment}/reschedule`, { start: daysAheadAt(5, 11).toISOString() }, 404],
      ['POST', `/v1/appointments/${a.ids.appointment}/complete`, {}, 404],
      ['GET', `/v1/appointments?doctorId=${a.ids.doctor}`, undefined, 403],
      ['POST', '/v1/appointments', { doctorId: a.ids.doctor, patientId: a.ids.patient, start: daysAheadAt(6, 9).toISOString() }, 403],
      ['GET', `/v1/appointment-series/${a.ids.series}`, undefined, 404],
      ['POST', `/v1/appointment-series/${a.ids.series}/cancel`, {}, 404],
      ['POST', '/v1/appointment-series', { doctorId: a.ids.doctor, patientId: a.ids.patient, start: daysAheadAt(6, 9).toISOString(), recurrence: { frequency: 'daily', count: 2 } }, 403],
      ['PUT', `/v1/doctors/${a.ids.doctor}/schedule`, { weekly: [] }, 403],
      ['POST', `/v1/doctors/${a.ids.doctor}/time-off`, { start: daysAheadAt(40, 8).toISOString(), end: daysAheadAt(40, 9).toISOString() }, 403],
      ['DELETE', `/v1/doctors/${a.ids.doctor}/time-off/${a.ids.timeOff}`, undefined, 403],
      ['PUT', `/v1/visit-notes/${a.ids.note}`, { plan: 'Not mine' }, 403],
      ['POST', `/v1/appointments/${a.ids.pastAppointment}/visit-notes`, { plan: 'Not mine' }, 403],
      ['DELETE', `/v1/waitlist/${a.ids.waitlistEntry}`, undefined, 404],
      ['GET', `/v1/waitlist?doctorId=${a.ids.doctor}`, undefined, 403],
      ['POST', '/v1/waitlist', { patientId: a.ids.patient, doctorId: a.ids.doctor, earliest: '2030-01-01', latest: '2030-01-02' }, 403],
    ];
    const actual = [];
    for (const [method, url, body] of expectations) actual.push(`${method} ${url} -> ${(await callAs(t, colleague, method, url, body)).statusCode}`);
    expect(actual).toEqual(expectations.map(([method, url, , status]) => `${method} ${url} -> ${status}`));
    const listed = await callAs(t, colleague, 'GET', '/v1/appointments?limit=100');
    expect(listed.body).not.toContain(a.ids.appointment);
    expect((await callAs(t, colleague, 'GET', '/v1/waitlist?limit=100')).body).not.toContain(a.ids.waitlistEntry);
    expect((await callAs(t, colleague, 'GET', `/v1/visit-notes/${a.ids.note}`)).statusCode).toBe(200);
    // Reading a note is audited and every read of a patient is an access event, so compare everything but those two logs.
    const after = await hospitalDigest(t, a.hospital.id);
    expect({ ...after, audit_events: '', access_events: '' }).toEqual({ ...before, audit_events: '', access_events: '' });
  });

  it("refuses another hospital's ids inside request bodies with 404 and writes nothing", async () => {
    const before = await hospitalDigest(t, a.hospital.id);
    const bBefore = await hospitalDigest(t, b.hospital.id);
    const start = daysAheadAt(4, 9).toISOString();
    const cases: [string, string, Record<string, unknown>][] = [
      ['POST', '/v1/appointments', { doctorId: a.ids.doctor, patientId: b.ids.patient, start }],
      ['POST', '/v1/appointments', { doctorId: b.ids.doctor, patientId: a.ids.patient, start }],
      ['POST', '/v1/appointments', { doctorId: a.ids.doctor, patientId: a.ids.patient, start }],
      ['POST', '/v1/hospitals/me/invitations', { email: `x-${a.marker}@example.test`, role: 'doctor', doctorId: a.ids.doctor }],
      ...[
        { doctorId: a.ids.doctor, patientId: b.ids.patient },
        { doctorId: b.ids.doctor, patientId: a.ids.patient },
      ].map((ids): [string, string, Record<string, unknown>] => ['POST', '/v1/appointment-series', { ...ids, start, recurrence: { frequency: 'daily', count: 2 } }]),
      ...[
        { doctorId: a.ids.doctor, patientId: b.ids.patient },
        { doctorId: b.ids.doctor, patientId: a.ids.patient },
        { visitTypeId: a.ids.visitType, patientId: b.ids.patient },
      ].map((ids): [string, string, Record<string, unknown>] => ['POST', '/v1/waitlist', { ...ids, earliest: '2030-01-01', latest: '2030-01-02' }]),
    ];
    for (const [method, url, payload] of cases) {
      const res = await callAs(t, b.owner, method, url, payload);
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(payload)}: ${res.body}`).toBe(404);
      expect(res.json().code).toBe('NOT_FOUND');
    }
    expect(await hospitalDigest(t, a.hospital.id)).toEqual(before);
    expect(await hospitalDigest(t, b.hospital.id)).toEqual(bBefore);
  });
});
