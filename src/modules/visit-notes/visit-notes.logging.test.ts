import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { memoryLog } from '../../../test/helpers/log-sink.ts';
import { noteAppointment, noteWorld, postNote, putNote, type NoteWorld } from '../../../test/helpers/visit-note-factories.ts';

/**
 * Clinical fields never reach the logs. The app runs at DEBUG with the
 * production redaction paths, writing into memory; every visit-note route
 * also gets a debug line that logs the request body (what a developer
 * chasing a bug would add), which the redaction must blank out.
 */
const { lines, sink } = memoryLog();
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    env: { LOG_LEVEL: 'debug' },
    logDestination: sink,
    build: {
      onRoute: (route) => {
        if (!route.url.includes('visit-notes')) return;
        const existing = route.preHandler ? (Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler]) : [];
        route.preHandler = [
          ...existing,
          async (request) => {
            request.log.debug({ body: request.body }, 'visit note request body');
          },
        ];
      },
    },
  });
});
afterAll(async () => {
  await t?.close();
});

describe('logs of visit-note requests', () => {
  let w: NoteWorld;
  beforeAll(async () => {
    w = await noteWorld(t);
  });

  it('carry no clinical value at DEBUG level, on success and on refusal', async () => {
    const marker = `CLIN${randomBytes(6).toString('hex')}`;
    const body = {
      subjective: `${marker}-subjective`,
      objective: `${marker}-objective`,
      assessment: `${marker}-assessment`,
      plan: `${marker}-plan`,
      diagnoses: [{ code: `${marker}X`, description: `${marker}-diagnosis` }],
      prescriptions: [{ drug: `${marker}-drug`, dose: `${marker}-dose`, frequency: `${marker}-frequency`, durationDays: 7 }],
    };
    const from = lines.length;

    const created = await postNote(t, w.doctor.auth, await noteAppointment(t, w), body);
    expect(created.statusCode, created.body).toBe(201);
    const noteId = created.json().data.id as string;
    expect(created.body).toContain(marker); // the caller gets it; the log must not
    expect((await putNote(t, w.doctor.auth, noteId, { ...body, plan: `${marker}-plan-2` })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `/v1/visit-notes/${noteId}`, headers: w.admin.auth })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `/v1/visit-notes/${noteId}/versions`, headers: w.admin.auth })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `/v1/patients/${w.patientId}/visit-notes`, headers: w.doctor.auth })).statusCode).toBe(200);
    // Refusals: a bad field beside clinical text, a staff member, a second POST, a wrong doctor.
    expect((await putNote(t, w.doctor.auth, noteId, { ...body, extra: `${marker}-extra` })).statusCode).toBe(400);
    expect((await putNote(t, w.doctor.auth, noteId, { ...body, subjective: `${marker}${'x'.repeat(20_001)}` })).statusCode).toBe(400);
    expect((await putNote(t, w.staff.auth, noteId, body)).statusCode).toBe(403);
    expect((await putNote(t, w.otherDoctor.auth, noteId, body)).statusCode).toBe(403);
    expect((await postNote(t, w.doctor.auth, created.json().data.appointmentId, body)).statusCode).toBe(409);

    const written = lines.slice(from);
    expect(written.length).toBeGreaterThan(10);
    expect(written.filter((l) => l.includes(marker))).toEqual([]);
    // The body really was logged at DEBUG, with every clinical field blanked.
    const bodyLines = written.map((l) => JSON.parse(l) as { msg?: string; level: string; body?: Record<string, unknown> }).filter((l) => l.msg === 'visit note request body');
    expect(bodyLines.length).toBeGreaterThanOrEqual(3);
    expect(bodyLines[0]!.level).toBe('DEBUG');
    expect(bodyLines[0]!.body).toEqual({
      subjective: '[redacted]',
      objective: '[redacted]',
      assessment: '[redacted]',
      plan: '[redacted]',
      diagnoses: '[redacted]',
      prescriptions: '[redacted]',
    });
  });
});
