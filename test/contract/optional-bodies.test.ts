/**
 * A body whose fields are all optional may be left out (SPEC section 2), and
 * an empty body sent as `Content-Type: application/json` (what many clients
 * do on every POST) counts as left out; a route whose body is required still
 * refuses it with 400. Every answer is judged by the document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { bookingFixture, bookOk, daysAheadAt, insertStartedAppointment, type BookingFixture } from '../helpers/appointment-factories.ts';
import { injectChecked } from '../helpers/contract.ts';

let t: TestApp;
let f: BookingFixture;

beforeAll(async () => {
  t = await createTestApp();
  f = await bookingFixture(t);
});
afterAll(async () => {
  await t.close();
});

const post = (url: string, headers: Record<string, string>, payload?: string) =>
  injectChecked(t, { method: 'POST', url, headers: { ...f.auth, ...headers }, ...(payload !== undefined ? { payload } : {}) });
const JSON_TYPE = { 'content-type': 'application/json' };

describe('optional request bodies', () => {
  it('cancels with no body, and with an empty application/json body', async () => {
    for (const [label, headers, payload] of [['no body', {}, undefined], ['empty JSON body', JSON_TYPE, '']] as const) {
      const appointment = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(label === 'no body' ? 3 : 4, 10).toISOString() });
      const res = await post(`/v1/appointments/${appointment.id}/cancel`, headers, payload);
      expect(res.statusCode, `${label}: ${res.body}`).toBe(200);
      expect(res.json().data.status).toBe('cancelled');
    }
  });

  it('completes and marks no-show with an empty application/json body', async () => {
    for (const verb of ['complete', 'no-show'] as const) {
      const id = await insertStartedAppointment(t, f.hospital.id, f.doctorId, f.patientId, verb === 'complete' ? 20 : 40);
      const res = await post(`/v1/appointments/${id}/${verb}`, JSON_TYPE, '');
      expect(res.statusCode, res.body).toBe(200);
    }
  });

  it('still validates what an optional body holds, and refuses a missing required body with 400', async () => {
    const appointment = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(5, 10).toISOString() });
    const unknownField = await post(`/v1/appointments/${appointment.id}/cancel`, JSON_TYPE, '{"refund":true}');
    expect(unknownField.statusCode).toBe(400);
    for (const payload of ['', '   ']) {
      const res = await post('/v1/patients', JSON_TYPE, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
    }
  });
});
