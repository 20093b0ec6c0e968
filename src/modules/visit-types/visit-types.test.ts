import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { registerHospital } from '../../../test/helpers/factories.ts';
import { addMember } from '../../../test/helpers/member-factories.ts';
import { createDoctor } from '../../../test/helpers/scheduling-factories.ts';
import { addResourceTimeOff, createClosure, createResource, createVisitType } from '../../../test/helpers/visit-factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'false' } });
});
afterAll(async () => {
  await t.close();
});

describe('resources', () => {
  it('creates, lists by name and kind, renames and deactivates (delete keeps the row), with audit entries', async () => {
    const h = await registerHospital(t);
    const b = await createResource(t, h.auth, { name: 'Room B', kind: 'exam-room' });
    const a = await createResource(t, h.auth, { name: 'Room A', kind: 'exam-room' });
    await createResource(t, h.auth, { name: 'MRI 1', kind: 'mri' });
    const rooms = await t.app.inject({ method: 'GET', url: '/v1/resources?kind=exam-room', headers: h.auth });
    expect(rooms.json().data.map((r: { name: string }) => r.name)).toEqual(['Room A', 'Room B']);
    const renamed = await t.app.inject({ method: 'PATCH', url: `/v1/resources/${b.id}`, headers: h.auth, payload: { name: 'Room C' } });
    expect(renamed.json().data).toMatchObject({ name: 'Room C', kind: 'exam-room', active: true });
    const gone = await t.app.inject({ method: 'DELETE', url: `/v1/resources/${a.id}`, headers: h.auth });
    expect(gone.json().data).toMatchObject({ id: a.id, active: false });
    expect((await t.app.inject({ method: 'GET', url: `/v1/resources/${a.id}`, headers: h.auth })).json().data.active).toBe(false);
    const active = await t.app.inject({ method: 'GET', url: '/v1/resources?active=true', headers: h.auth });
    expect(active.json().data.map((r: { name: string }) => r.name)).toEqual(['MRI 1', 'Room C']);
    const audit = await t.app.inject({ method: 'GET', url: '/v1/audit-events?limit=100', headers: h.auth });
    const actions = audit.json().data.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['resource.created', 'resource.updated', 'resource.deactivated']));
  });

  it('refuses a kind that is not a slug and an empty name, naming the field', async () => {
    const h = await registerHospital(t);
    for (const payload of [{ name: 'X', kind: 'Exam Room' }, { name: '   ', kind: 'mri' }, { name: 'X', kind: '' }]) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/resources', headers: h.auth, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
    }
  });

  it('keeps time off per resource: add, list, remove; end before start is a 400', async () => {
    const h = await registerHospital(t);
    const mri = await createResource(t, h.auth, { name: 'MRI', kind: 'mri' });
    const off = await addResourceTimeOff(t, h.auth, mri.id, { start: '2030-01-07T08:00:00Z', end: '2030-01-07T12:00:00Z', reason: 'Service' });
    const list = await t.app.inject({ method: 'GET', url: `/v1/resources/${mri.id}/time-off`, headers: h.auth });
    expect(list.json().data).toMatchObject([{ id: off.id, resourceId: mri.id, start: '2030-01-07T08:00:00.000Z', reason: 'Service' }]);
    const bad = await t.app.inject({ method: 'POST', url: `/v1/resources/${mri.id}/time-off`, headers: h.auth, payload: { start: '2030-01-07T12:00:00Z', end: '2030-01-07T08:00:00Z' } });
    expect(bad.statusCode).toBe(400);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/resources/${mri.id}/time-off/${off.id}`, headers: h.auth })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/resources/${mri.id}/time-off/${off.id}`, headers: h.auth })).statusCode).toBe(404);
  });

  it('lets staff and doctors read but not manage', async () => {
    const h = await registerHospital(t);
    const staff = await addMember(t, h, 'staff');
    const doctor = await addMember(t, h, 'doctor');
    await createResource(t, h.auth, { name: 'Room', kind: 'exam-room' });
    for (const auth of [staff.auth, doctor.auth]) {
      expect((await t.app.inject({ method: 'GET', url: '/v1/resources', headers: auth })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'POST', url: '/v1/resources', headers: auth, payload: { name: 'R', kind: 'mri' } })).statusCode).toBe(403);
      expect((await t.app.inject({ method: 'POST', url: '/v1/visit-types', headers: auth, payload: { name: 'V', durationMinutes: 30, doctorIds: [] } })).statusCode).toBe(403);
      expect((await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/closures', headers: auth, payload: { start: '2030-01-01T00:00:00Z', end: '2030-01-02T00:00:00Z', reason: 'x' } })).statusCode).toBe(403);
    }
  });
});

describe('visit types', () => {
  it('stores duration, buffers, doctors and required kinds (a kind may repeat); patch replaces doctors; delete deactivates', async () => {
    const h = await registerHospital(t);
    const d1 = await createDoctor(t, h.auth);
    const d2 = await createDoctor(t, h.auth);
    const vt = await createVisitType(t, h.auth, {
      name: 'MRI with prep',
      durationMinutes: 45,
      bufferBeforeMinutes: 15,
      bufferAfterMinutes: 10,
      doctorIds: [d1.id],
      requires: ['exam-room', 'exam-room', 'mri'],
    });
    expect(vt).toMatchObject({ durationMinutes: 45, bufferBeforeMinutes: 15, bufferAfterMinutes: 10, doctorIds: [d1.id], requires: ['exam-room', 'exam-room', 'mri'], bookableOnline: true });
    const patched = await t.app.inject({ method: 'PATCH', url: `/v1/visit-types/${vt.id}`, headers: h.auth, payload: { doctorIds: [d2.id, d1.id], bookableOnline: false } });
    expect(patched.statusCode).toBe(200);
    expect([...patched.json().data.doctorIds].sort()).toEqual([d1.id, d2.id].sort());
    const byDoctor = await t.app.inject({ method: 'GET', url: `/v1/visit-types?doctorId=${d2.id}`, headers: h.auth });
    expect(byDoctor.json().data.map((v: { id: string }) => v.id)).toEqual([vt.id]);
    const gone = await t.app.inject({ method: 'DELETE', url: `/v1/visit-types/${vt.id}`, headers: h.auth });
    expect(gone.json().data.active).toBe(false);
  });

  it('refuses durations and buffers out of range (400), unknown doctors (404) and deactivated ones (422)', async () => {
    const h = await registerHospital(t);
    const other = await registerHospital(t);
    const foreign = await createDoctor(t, other.auth);
    const retired = await createDoctor(t, h.auth);
    await t.app.inject({ method: 'DELETE', url: `/v1/doctors/${retired.id}`, headers: h.auth });
    for (const payload of [
      { name: 'V', durationMinutes: 4, doctorIds: [] },
      { name: 'V', durationMinutes: 481, doctorIds: [] },
      { name: 'V', durationMinutes: 30, bufferAfterMinutes: 241, doctorIds: [] },
      { name: 'V', durationMinutes: 30, bufferBeforeMinutes: -1, doctorIds: [] },
      { name: 'V', durationMinutes: 30, doctorIds: [], requires: ['MRI!'] },
    ]) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/visit-types', headers: h.auth, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    const unknown = await t.app.inject({ method: 'POST', url: '/v1/visit-types', headers: h.auth, payload: { name: 'V', durationMinutes: 30, doctorIds: [foreign.id] } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().details).toEqual({ doctorIds: [foreign.id] });
    const inactive = await t.app.inject({ method: 'POST', url: '/v1/visit-types', headers: h.auth, payload: { name: 'V', durationMinutes: 30, doctorIds: [retired.id] } });
    expect(inactive.statusCode).toBe(422);
    expect(inactive.json()).toMatchObject({ code: 'DOCTOR_INACTIVE', details: { doctorIds: [retired.id] } });
  });

  it('lists only active bookable-online types publicly', async () => {
    const h = await registerHospital(t);
    const d = await createDoctor(t, h.auth);
    const online = await createVisitType(t, h.auth, { name: 'Check-up', durationMinutes: 20, doctorIds: [d.id] });
    await createVisitType(t, h.auth, { name: 'Internal', durationMinutes: 20, doctorIds: [d.id], bookableOnline: false });
    const res = await t.app.inject({ method: 'GET', url: `/v1/public/hospitals/${h.subdomain}/visit-types` });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual([{ id: online.id, name: 'Check-up', durationMinutes: 20, color: null, doctorIds: [d.id] }]);
  });
});

describe('closures', () => {
  it('adds, lists and removes closures; a closure needs a reason', async () => {
    const h = await registerHospital(t);
    const c = await createClosure(t, h.auth, { start: '2030-12-25T00:00:00Z', end: '2030-12-26T00:00:00Z', reason: 'Christmas' });
    const list = await t.app.inject({ method: 'GET', url: '/v1/hospitals/me/closures', headers: h.auth });
    expect(list.json().data).toMatchObject([{ id: c.id, start: '2030-12-25T00:00:00.000Z', end: '2030-12-26T00:00:00.000Z', reason: 'Christmas' }]);
    const noReason = await t.app.inject({ method: 'POST', url: '/v1/hospitals/me/closures', headers: h.auth, payload: { start: '2030-12-25T00:00:00Z', end: '2030-12-26T00:00:00Z' } });
    expect(noReason.statusCode).toBe(400);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/hospitals/me/closures/${c.id}`, headers: h.auth })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/v1/hospitals/me/closures', headers: h.auth })).json().data).toEqual([]);
  });
});
