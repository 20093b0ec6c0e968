import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
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

/** Reading visit notes: who may, and what every read leaves in the audit log. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'false' } });
});
afterAll(async () => {
  await t.close();
});

type Auth = { authorization: string };

const get = (auth: Auth, url: string) => t.app.inject({ method: 'GET', url, headers: auth });

describe('who reads notes', () => {
  let w: NoteWorld;
  let note: NoteData;
  beforeAll(async () => {
    w = await noteWorld(t);
    note = await writeNote(t, w.doctor.auth, await noteAppointment(t, w), SAMPLE_NOTE);
  });

  it('never shows a note to staff (403 on every read and write)', async () => {
    const appointmentId = await noteAppointment(t, w);
    const requests = [
      get(w.staff.auth, `/v1/visit-notes/${note.id}`),
      get(w.staff.auth, `/v1/visit-notes/${note.id}/versions`),
      get(w.staff.auth, `/v1/patients/${w.patientId}/visit-notes`),
      postNote(t, w.staff.auth, appointmentId, { plan: 'x' }),
      putNote(t, w.staff.auth, note.id, { plan: 'x' }),
    ];
    for (const res of await Promise.all(requests)) {
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().code).toBe('FORBIDDEN');
      expect(res.body).not.toMatch(/throat/);
    }
    const audit = await auditRows(t, w.hospital.id, note.id);
    expect(audit.filter((a) => a.actor_user_id === w.staff.userId)).toEqual([]);
  });

  it('shows it to the owner, admins and every doctor of the hospital', async () => {
    for (const user of [w.hospital.auth, w.admin.auth, w.doctor.auth, w.otherDoctor.auth]) {
      const res = await get(user, `/v1/visit-notes/${note.id}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().data.subjective).toBe(SAMPLE_NOTE.subjective);
    }
  });

  it("answers 404 for another hospital's note, appointment and patient", async () => {
    const other = await noteWorld(t);
    const appointmentId = await noteAppointment(t, w);
    const requests = [
      get(other.hospital.auth, `/v1/visit-notes/${note.id}`),
      get(other.hospital.auth, `/v1/visit-notes/${note.id}/versions`),
      get(other.hospital.auth, `/v1/patients/${w.patientId}/visit-notes`),
      get(other.doctor.auth, `/v1/visit-notes/${note.id}`),
      putNote(t, other.doctor.auth, note.id, { plan: 'x' }),
      postNote(t, other.doctor.auth, appointmentId, { plan: 'x' }),
    ];
    for (const res of await Promise.all(requests)) {
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json().code).toBe('NOT_FOUND');
    }
    // The other hospital's own listing of its own patient is empty, and nothing leaked into its audit log.
    const own = await get(other.hospital.auth, `/v1/patients/${other.patientId}/visit-notes`);
    expect(own.json().data).toEqual([]);
    const leaked = await rawRows<{ n: number }>(
      t.deps.database.db,
      sql`select count(*)::int as n from audit_events where hospital_id = ${other.hospital.id} and entity_id = ${note.id}`,
    );
    expect(leaked[0]!.n).toBe(0);
  });
});

describe("a patient's notes", () => {
  it('lists the current versions newest first, paginated, each shown note audited as a read', async () => {
    const w = await noteWorld(t);
    const otherPatient = await insertPatientRow(t, w.hospital.id, 'Someone else');
    const written: NoteData[] = [];
    for (let i = 0; i < 5; i++) {
      const doctor = i % 2 === 0 ? w.doctor : w.otherDoctor;
      written.push(await writeNote(t, doctor.auth, await noteAppointment(t, w, { doctorId: doctor.doctorId }), { plan: `Visit ${i}` }));
    }
    await writeNote(t, w.doctor.auth, await noteAppointment(t, w, { patientId: otherPatient }), { plan: 'Not this patient' });
    await putNote(t, w.doctor.auth, written[0]!.id, { plan: 'Visit 0, corrected' });

    const seen: NoteData[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(w.admin.auth, `/v1/patients/${w.patientId}/visit-notes?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().data.length).toBeLessThanOrEqual(2);
      seen.push(...res.json().data);
      cursor = res.json().page.nextCursor;
    } while (cursor);
    expect(seen.map((n) => n.id)).toEqual(written.map((n) => n.id).reverse());
    expect(seen.map((n) => n.plan)).toEqual(['Visit 4', 'Visit 3', 'Visit 2', 'Visit 1', 'Visit 0, corrected']);
    expect(seen.at(-1)!.version).toBe(2);

    const reads = await rawRows<{ entity_id: string; metadata: Record<string, unknown> }>(
      t.deps.database.db,
      sql`select entity_id, metadata from audit_events
           where hospital_id = ${w.hospital.id} and action = 'visit_note.read' and actor_user_id = ${w.admin.userId}`,
    );
    expect(reads.map((r) => r.entity_id).sort()).toEqual(written.map((n) => n.id).sort());
    expect(reads[0]!.metadata).toMatchObject({ patientId: w.patientId, via: 'patient_notes' });
  });
});
