import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../infra/db/tenant.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { addMember } from '../../../test/helpers/member-factories.ts';
import {
  auditRows,
  noteAppointment,
  noteWorld,
  postNote,
  putNote,
  SAMPLE_NOTE,
  writeNote,
  type NoteData,
  type NoteWorld,
} from '../../../test/helpers/visit-note-factories.ts';
import { insertPatientRow } from '../../../test/helpers/scheduling-factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'false' } });
});
afterAll(async () => {
  await t.close();
});

type Auth = { authorization: string };

const get = (auth: Auth, url: string) => t.app.inject({ method: 'GET', url, headers: auth });

describe('writing a visit note', () => {
  let w: NoteWorld;
  beforeAll(async () => {
    w = await noteWorld(t);
  });

  it("lets the appointment's doctor write the first version, with the agreed shape", async () => {
    const appointmentId = await noteAppointment(t, w);
    const res = await postNote(t, w.doctor.auth, appointmentId, SAMPLE_NOTE);
    expect(res.statusCode, res.body).toBe(201);
    const note = res.json().data as NoteData;
    expect(Object.keys(note).sort()).toEqual(
      ['id', 'appointmentId', 'patientId', 'doctorId', 'version', 'subjective', 'objective', 'assessment', 'plan', 'diagnoses', 'prescriptions', 'createdAt', 'updatedAt'].sort(),
    );
    expect(note).toMatchObject({ appointmentId, patientId: w.patientId, doctorId: w.doctor.doctorId, version: 1, ...SAMPLE_NOTE });
    expect(note.updatedAt).toBe(note.createdAt);

    const read = await get(w.doctor.auth, `/v1/visit-notes/${note.id}`);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().data).toEqual(note);

    const audit = await auditRows(t, w.hospital.id, note.id);
    expect(audit.map((a) => a.action)).toEqual(['visit_note.created', 'visit_note.read']);
    expect(audit[0]).toMatchObject({
      actor_user_id: w.doctor.userId,
      changes: ['subjective', 'objective', 'assessment', 'plan', 'diagnoses', 'prescriptions'],
      metadata: { appointmentId, patientId: w.patientId, version: 1 },
    });
    // Field names, never clinical values.
    expect(JSON.stringify(audit)).not.toMatch(/throat|pharyn|Ibuprofen|J02/i);
  });

  it('takes a note with only some fields; the rest are empty', async () => {
    const note = await writeNote(t, w.doctor.auth, await noteAppointment(t, w), { assessment: 'Healthy.' });
    expect(note).toMatchObject({ subjective: null, objective: null, assessment: 'Healthy.', plan: null, diagnoses: [], prescriptions: [] });
  });

  it('writes on completed, scheduled and no-show appointments', async () => {
    for (const status of ['completed', 'scheduled', 'no_show'] as const) {
      const res = await postNote(t, w.doctor.auth, await noteAppointment(t, w, { status }), { plan: `Follow-up (${status})` });
      expect(res.statusCode, `${status}: ${res.body}`).toBe(201);
    }
  });

  it('refuses a cancelled appointment with APPOINTMENT_CANCELLED, and new versions once it is cancelled', async () => {
    const cancelled = await noteAppointment(t, w, { status: 'cancelled' });
    const res = await postNote(t, w.doctor.auth, cancelled, { plan: 'x' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'APPOINTMENT_CANCELLED', details: { appointmentId: cancelled } });

    const later = await noteAppointment(t, w, { status: 'scheduled' });
    const note = await writeNote(t, w.doctor.auth, later, { plan: 'Before the cancellation' });
    await withTenant(t.deps.database.db, w.hospital.id, ({ tx }) => tx.execute(sql`update appointments set status = 'cancelled' where id = ${later}`));
    const put = await putNote(t, w.doctor.auth, note.id, { plan: 'After' });
    expect(put.statusCode).toBe(409);
    expect(put.json().code).toBe('APPOINTMENT_CANCELLED');
    // Still readable.
    expect((await get(w.admin.auth, `/v1/visit-notes/${note.id}`)).json().data).toMatchObject({ version: 1, plan: 'Before the cancellation' });
  });

  it('allows one note per appointment: a second POST is VISIT_NOTE_EXISTS naming the note to PUT', async () => {
    const appointmentId = await noteAppointment(t, w);
    const note = await writeNote(t, w.doctor.auth, appointmentId, { plan: 'First' });
    const again = await postNote(t, w.doctor.auth, appointmentId, { plan: 'Second' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({
      code: 'VISIT_NOTE_EXISTS',
      details: { appointmentId, noteId: note.id, update: `PUT /v1/visit-notes/${note.id}` },
    });
    expect(again.json().error).toMatch(/PUT/);
  });

  it('lets exactly one of several concurrent first writes through', async () => {
    const appointmentId = await noteAppointment(t, w);
    const results = await Promise.all([1, 2, 3, 4].map((i) => postNote(t, w.doctor.auth, appointmentId, { plan: `Writer ${i}` })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    const winner = results.find((r) => r.statusCode === 201)!.json().data as NoteData;
    for (const r of results.filter((x) => x.statusCode === 409)) {
      expect(r.json()).toMatchObject({ code: 'VISIT_NOTE_EXISTS', details: { noteId: winner.id } });
    }
  });

  it("refuses a doctor who is not the appointment's doctor (403), a doctor member with no doctor link, and owners/admins", async () => {
    const appointmentId = await noteAppointment(t, w);
    const unlinked = await addMember(t, w.hospital, 'doctor');
    for (const auth of [w.otherDoctor.auth, unlinked.auth, w.hospital.auth, w.admin.auth]) {
      const res = await postNote(t, auth, appointmentId, { plan: 'Not mine' });
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().code).toBe('FORBIDDEN');
    }
    const note = await writeNote(t, w.doctor.auth, appointmentId, { plan: 'Mine' });
    for (const auth of [w.otherDoctor.auth, unlinked.auth, w.hospital.auth, w.admin.auth]) {
      const res = await putNote(t, auth, note.id, { plan: 'Not mine either' });
      expect(res.statusCode, res.body).toBe(403);
    }
    // Another doctor of the hospital reads it.
    expect((await get(w.otherDoctor.auth, `/v1/visit-notes/${note.id}`)).statusCode).toBe(200);
    expect((await get(w.doctor.auth, `/v1/visit-notes/${note.id}/versions`)).json().data).toHaveLength(1);
  });

  it('answers 404 for an appointment or note that does not exist', async () => {
    expect((await postNote(t, w.doctor.auth, crypto.randomUUID(), { plan: 'x' })).statusCode).toBe(404);
    expect((await putNote(t, w.doctor.auth, crypto.randomUUID(), { plan: 'x' })).statusCode).toBe(404);
    expect((await get(w.doctor.auth, `/v1/visit-notes/${crypto.randomUUID()}`)).statusCode).toBe(404);
    expect((await get(w.doctor.auth, `/v1/visit-notes/${crypto.randomUUID()}/versions`)).statusCode).toBe(404);
    expect((await get(w.doctor.auth, `/v1/patients/${crypto.randomUUID()}/visit-notes`)).statusCode).toBe(404);
  });
});

describe('note versions', () => {
  it('keeps every version intact after several edits: numbered 1..n, earlier content unchanged', async () => {
    const w = await noteWorld(t);
    const note = await writeNote(t, w.doctor.auth, await noteAppointment(t, w), SAMPLE_NOTE);
    const edits = [
      { ...SAMPLE_NOTE, assessment: 'Viral pharyngitis, improving.' },
      { subjective: SAMPLE_NOTE.subjective, plan: 'Stop ibuprofen.' },
      { ...SAMPLE_NOTE, diagnoses: [...SAMPLE_NOTE.diagnoses, { code: 'R50.9', description: 'Fever, unspecified' }], prescriptions: [] },
    ];
    let last: NoteData = note;
    for (const [i, edit] of edits.entries()) {
      const res = await putNote(t, w.doctor.auth, note.id, edit);
      expect(res.statusCode, res.body).toBe(200);
      last = res.json().data;
      expect(last).toMatchObject({ id: note.id, version: i + 2, createdAt: note.createdAt });
    }
    // A PUT is the whole content: what it leaves out is empty in that version.
    const current = (await get(w.doctor.auth, `/v1/visit-notes/${note.id}`)).json().data as NoteData;
    expect(current).toEqual(last);
    expect(current).toMatchObject({ version: 4, ...edits[2] });

    const history = await get(w.hospital.auth, `/v1/visit-notes/${note.id}/versions`);
    expect(history.statusCode, history.body).toBe(200);
    const versions = history.json().data as (NoteData & { noteId: string; authorUserId: string })[];
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4]);
    const empty = { subjective: null, objective: null, assessment: null, plan: null, diagnoses: [], prescriptions: [] };
    const expected: Record<string, unknown>[] = [SAMPLE_NOTE, ...edits].map((c) => ({ ...empty, ...c }));
    versions.forEach((v, i) => {
      expect(v).toMatchObject({ noteId: note.id, authorUserId: w.doctor.userId, ...expected[i]! });
      expect(v.updatedAt).toBe(v.createdAt);
    });
    expect(history.json().page.nextCursor).toBeNull();

    // Paging through the history, oldest first.
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const pageRes = await get(w.admin.auth, `/v1/visit-notes/${note.id}/versions?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(pageRes.statusCode, pageRes.body).toBe(200);
      seen.push(...pageRes.json().data.map((v: { version: number }) => v.version));
      cursor = pageRes.json().page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([1, 2, 3, 4]);

    // The audit trail names the changed fields of each version, never their content.
    const audit = await auditRows(t, w.hospital.id, note.id);
    const written = audit.filter((a) => a.action === 'visit_note.version_written');
    expect(written.map((a) => [a.metadata?.version, a.changes])).toEqual([
      [2, ['assessment']],
      [3, ['objective', 'assessment', 'plan', 'diagnoses', 'prescriptions']],
      [4, ['objective', 'assessment', 'plan', 'diagnoses']],
    ]);
    expect(audit.filter((a) => a.action === 'visit_note.history_read').map((a) => a.metadata?.versions)).toEqual([[1, 2, 3, 4], [1, 2, 3], [4]]);
  });

  it('never loses or duplicates a version under concurrent PUTs', async () => {
    const w = await noteWorld(t);
    const note = await writeNote(t, w.doctor.auth, await noteAppointment(t, w), { plan: 'v1' });
    const writers = 8;
    const results = await Promise.all(
      Array.from({ length: writers }, (_, i) => putNote(t, w.doctor.auth, note.id, { plan: `writer ${i}` })),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(writers).fill(200));
    expect(results.map((r) => r.json().data.version).sort((a, b) => a - b)).toEqual(Array.from({ length: writers }, (_, i) => i + 2));

    const versions = (await get(w.doctor.auth, `/v1/visit-notes/${note.id}/versions?limit=100`)).json().data as { version: number; plan: string }[];
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: writers + 1 }, (_, i) => i + 1));
    expect(versions.map((v) => v.plan).sort()).toEqual(['v1', ...Array.from({ length: writers }, (_, i) => `writer ${i}`)].sort());
    // Each response's version holds exactly what that writer sent.
    for (const r of results) {
      const data = r.json().data as NoteData;
      expect(versions[data.version - 1]!.plan).toBe(data.plan);
    }
    const current = (await get(w.doctor.auth, `/v1/visit-notes/${note.id}`)).json().data as NoteData;
    expect(current.version).toBe(writers + 1);
  });

  it('is append-only in the database: versions cannot be changed or removed, the pointer only moves forward', async () => {
    const w = await noteWorld(t);
    const note = await writeNote(t, w.doctor.auth, await noteAppointment(t, w), { plan: 'Original' });
    await putNote(t, w.doctor.auth, note.id, { plan: 'Second' });
    const db = t.deps.database.db;
    // As the application role (tenant transaction) and as the table owner (where the trigger answers).
    const attempts = [
      sql`update visit_note_versions set plan = 'Rewritten' where note_id = ${note.id}`,
      sql`delete from visit_note_versions where note_id = ${note.id}`,
      sql`update visit_notes set current_version = 1 where id = ${note.id}`,
      sql`update visit_notes set current_version = 7 where id = ${note.id}`,
      sql`update visit_notes set patient_id = ${await insertPatientRow(t, w.hospital.id)}, current_version = current_version + 1 where id = ${note.id}`,
      sql`delete from visit_notes where id = ${note.id}`,
    ];
    for (const attempt of attempts) {
      await expect(withTenant(db, w.hospital.id, ({ tx }) => tx.execute(attempt))).rejects.toThrow();
      await expect(db.transaction((tx) => tx.execute(attempt))).rejects.toThrow();
    }
    const versions = (await get(w.doctor.auth, `/v1/visit-notes/${note.id}/versions`)).json().data as { plan: string }[];
    expect(versions.map((v) => v.plan)).toEqual(['Original', 'Second']);
  });
});

describe('bad input', () => {
  let w: NoteWorld;
  let appointmentId: string;
  let noteId: string;
  beforeAll(async () => {
    w = await noteWorld(t);
    appointmentId = await noteAppointment(t, w);
    noteId = (await writeNote(t, w.doctor.auth, await noteAppointment(t, w), { plan: 'x' })).id;
  });

  const long = 'a'.repeat(20_001);
  const bodies: [string, unknown, string][] = [
    ['empty body', {}, 'body'],
    ['only empty lists', { diagnoses: [], prescriptions: [] }, 'body'],
    ['unknown field', { plan: 'x', notes: 'y' }, 'notes'],
    ['text too long', { subjective: long }, 'subjective'],
    ['blank text', { assessment: '   ' }, 'assessment'],
    ['empty text', { plan: '' }, 'plan'],
    ['text not a string', { plan: { text: 'x' } }, 'plan'],
    ['null text', { plan: null }, 'plan'],
    ['diagnosis without description', { diagnoses: [{ code: 'J02.9' }] }, 'diagnoses.0.description'],
    ['diagnosis code with spaces', { diagnoses: [{ code: 'J 02', description: 'x' }] }, 'diagnoses.0.code'],
    ['diagnosis extra field', { diagnoses: [{ code: 'J02.9', description: 'x', severity: 'high' }] }, 'diagnoses.0.severity'],
    ['diagnoses not a list', { diagnoses: { code: 'J02.9', description: 'x' } }, 'diagnoses'],
    ['too many diagnoses', { diagnoses: Array.from({ length: 51 }, () => ({ code: 'A00', description: 'x' })) }, 'diagnoses'],
    ['prescription zero days', { prescriptions: [{ drug: 'D', dose: '1', frequency: 'daily', durationDays: 0 }] }, 'prescriptions.0.durationDays'],
    ['prescription days not a number', { prescriptions: [{ drug: 'D', dose: '1', frequency: 'daily', durationDays: 'five' }] }, 'prescriptions.0.durationDays'],
    ['prescription fractional days', { prescriptions: [{ drug: 'D', dose: '1', frequency: 'daily', durationDays: 1.5 }] }, 'prescriptions.0.durationDays'],
    ['prescription without drug', { prescriptions: [{ dose: '1', frequency: 'daily', durationDays: 3 }] }, 'prescriptions.0.drug'],
    ['a list as body', [{ plan: 'x' }], 'body'],
  ];

  it.each(bodies)('POST and PUT refuse %s with 400 naming the field', async (_label, body, field) => {
    for (const res of [await postNote(t, w.doctor.auth, appointmentId, body), await putNote(t, w.doctor.auth, noteId, body)]) {
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
      const fields = (res.json().details?.fields ?? []) as { field: string }[];
      expect(fields.map((f) => f.field)).toContain(field);
    }
  });

  it('refuses malformed ids, limits and cursors with 400', async () => {
    const bad = [
      postNote(t, w.doctor.auth, 'not-a-uuid', { plan: 'x' }),
      putNote(t, w.doctor.auth, 'not-a-uuid', { plan: 'x' }),
      get(w.doctor.auth, '/v1/visit-notes/123'),
      get(w.doctor.auth, '/v1/visit-notes/123/versions'),
      get(w.doctor.auth, '/v1/patients/123/visit-notes'),
      get(w.doctor.auth, `/v1/visit-notes/${noteId}/versions?limit=0`),
      get(w.doctor.auth, `/v1/visit-notes/${noteId}/versions?limit=101`),
      get(w.doctor.auth, `/v1/visit-notes/${noteId}/versions?cursor=garbage`),
      get(w.doctor.auth, `/v1/patients/${w.patientId}/visit-notes?cursor=garbage`),
      get(w.doctor.auth, `/v1/patients/${w.patientId}/visit-notes?limit=abc`),
    ];
    for (const res of await Promise.all(bad)) {
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
    }
    // Nothing was written by the refused requests.
    const versions = (await get(w.doctor.auth, `/v1/visit-notes/${noteId}/versions`)).json().data;
    expect(versions).toHaveLength(1);
    expect((await postNote(t, w.doctor.auth, appointmentId, { plan: 'now valid' })).statusCode).toBe(201);
  });
});
