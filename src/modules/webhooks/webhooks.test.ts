import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { bookingFixture, bookOk, daysAheadAt, action, type BookingFixture } from '../../../test/helpers/appointment-factories.ts';
import { registerHospital } from '../../../test/helpers/factories.ts';
import { createMessagingApp, eventually, messagingTestEnv, type MessagingApp, type MessagingTestEnv } from '../../../test/helpers/messaging.ts';
import { addMember } from '../../../test/helpers/member-factories.ts';
import { createPatient } from '../../../test/helpers/scheduling-factories.ts';
import { SAMPLE_NOTE, writeNote } from '../../../test/helpers/visit-note-factories.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/helpers/webhook-receiver.ts';

type Auth = { authorization: string };

let suite: MessagingTestEnv;
let receiver: WebhookReceiver;
let t: MessagingApp;
let world: BookingFixture;
/** The webhook handler's clock runs this far ahead (the disable-after-hours test moves it). */
let clockOffsetMs = 0;
let paths = 0;

beforeAll(async () => {
  suite = await messagingTestEnv();
  receiver = await startWebhookReceiver();
  t = await createMessagingApp({
    env: { ...suite.env, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_MAX_ATTEMPTS: '5', WEBHOOK_BACKOFF_MAX_MS: '100', WEBHOOK_DISABLE_AFTER_HOURS: '72', RATE_LIMIT_ENABLED: 'false' },
    messaging: { clock: () => new Date(Date.now() + clockOffsetMs) },
  });
  world = await bookingFixture(t);
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
  await suite?.close();
});

interface Created {
  id: string;
  secret: string;
  path: string;
}

async function subscribe(auth: Auth, events: string[], answers: number[] = [200]): Promise<Created> {
  const path = `/hook-${++paths}`;
  const res = await t.app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth, payload: { url: receiver.url(path), events } });
  expect(res.statusCode, res.body).toBe(201);
  const { id, secret } = res.json().data as { id: string; secret: string };
  receiver.expect(path, [secret]);
  receiver.answers(path, answers);
  return { id, secret, path };
}

async function deliveries(auth: Auth, id: string) {
  const res = await t.app.inject({ method: 'GET', url: `/v1/webhooks/${id}/deliveries`, headers: auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as { id: string; eventType: string; status: string; attempts: number; lastStatusCode: number | null; nextAttemptAt: string | null }[];
}

const attemptsOf = (messageId: string) =>
  rawRows<{ status_code: number | null }>(t.deps.database.db, sql`select status_code from webhook_attempts where message_id = ${messageId}::uuid order by created_at`);

/**
 * Checks a received payload against what the OpenAPI document's `webhooks`
 * section promises for its type (the schema its requestBody refers to).
 */
async function matchesDocument(payload: { type: string }): Promise<string[]> {
  const doc = (await t.app.inject({ method: 'GET', url: '/docs/openapi.json' })).json() as {
    webhooks: Record<string, { post: { requestBody: { content: { 'application/json': { schema: { $ref: string } } } } } }>;
  };
  const ref = doc.webhooks[payload.type]?.post.requestBody.content['application/json'].schema.$ref;
  if (!ref) return [`the document has no webhook ${payload.type}`];
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: its function is the default export's default under ESM.
  const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (a: Ajv) => Ajv;
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi.json');
  const validate = ajv.getSchema(`openapi.json${ref}`)!;
  return validate(payload) ? [] : (validate.errors ?? []).map((e) => `${payload.type}${e.instancePath} ${e.message}`);
}

let hour = 8;
const nextStart = () => daysAheadAt(2, hour++ % 24).toISOString();

describe('webhook endpoints', () => {
  it('shows the secret once, at creation, and never again', async () => {
    const hook = await subscribe(world.auth, ['appointment.booked']);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const got = await t.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: world.auth });
    expect(got.statusCode).toBe(200);
    expect(got.body).not.toContain(hook.secret.slice(6));
    const list = await t.app.inject({ method: 'GET', url: '/v1/webhooks', headers: world.auth });
    expect(list.json().data.map((w: { id: string }) => w.id)).toContain(hook.id);
    expect(list.body).not.toContain('whsec_');
    // Stored sealed: the database holds no copy of the secret either.
    const [row] = await rawRows<{ secret_sealed: string }>(t.deps.database.db, sql`select secret_sealed from webhook_endpoints where id = ${hook.id}::uuid`);
    expect(row!.secret_sealed).not.toContain(hook.secret.slice(6));
  });

  it('is for owners and admins: staff and doctors are refused', async () => {
    const staff = await addMember(t, world.hospital, 'staff');
    const admin = await addMember(t, world.hospital, 'admin');
    const payload = { url: receiver.url('/nobody'), events: ['patient.created'] };
    expect((await t.app.inject({ method: 'POST', url: '/v1/webhooks', headers: staff.auth, payload })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/v1/webhooks', headers: admin.auth, payload })).statusCode).toBe(201);
  });

  it('refuses unknown events and non-http URLs with a 400', async () => {
    const bad = [
      { url: receiver.url('/x'), events: ['appointment.exploded'] },
      { url: 'ftp://example.com/x', events: ['patient.created'] },
      { url: receiver.url('/x'), events: [] },
    ];
    for (const payload of bad) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/webhooks', headers: world.auth, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
    }
  });
});

describe('delivery', () => {
  it('signs every event per Standard Webhooks and carries the version, never clinical text', async () => {
    const hook = await subscribe(world.auth, ['appointment.booked', 'appointment.cancelled', 'visit_note.signed', 'patient.updated']);
    const appt = await bookOk(t, world.auth, { doctorId: world.doctorId, patientId: world.patientId, start: nextStart(), reason: 'persistent cough and night sweats' });
    await eventually(async () => receiver.received(hook.path), (r) => r.length >= 1, 'the booked event');
    expect((await action(t, world.auth, appt.id, 'cancel', { reason: 'patient feels feverish' })).statusCode).toBe(200);
    const patch = await t.app.inject({ method: 'PATCH', url: `/v1/patients/${world.patientId}`, headers: world.auth, payload: { name: 'Renamed Patient' } });
    expect(patch.statusCode).toBe(200);
    const got = await eventually(async () => receiver.received(hook.path), (r) => r.length >= 3, 'three events');
    const byType = Object.fromEntries(got.map((g) => [g.payload.type, g]));
    expect(byType['appointment.booked']!.payload.data).toMatchObject({ id: appt.id, version: 1, status: 'scheduled', doctorId: world.doctorId, patientId: world.patientId });
    expect(byType['appointment.cancelled']!.payload.data).toMatchObject({ id: appt.id, version: 2, status: 'cancelled' });
    expect(byType['patient.updated']!.payload.data).toEqual({ id: world.patientId, version: 2 });
    for (const g of got) {
      expect(await matchesDocument(g.payload)).toEqual([]);
      expect(g.payload.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(g.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(g.body).not.toMatch(/cough|fever|Renamed|@/);
    }
    expect(receiver.rejected).toEqual([]);
  });

  it('sends visit_note.signed with ids and the version only', async () => {
    const doctor = await addMember(t, world.hospital, 'doctor', { doctorId: world.doctorId });
    const hook = await subscribe(world.auth, ['visit_note.signed']);
    const [appt] = await rawRows<{ id: string }>(
      t.deps.database.db,
      sql`insert into appointments (hospital_id, doctor_id, patient_id, starts_at, ends_at, status)
          values (${world.hospital.id}::uuid, ${world.doctorId}::uuid, ${world.patientId}::uuid, now() - interval '3 hours', now() - interval '150 minutes', 'completed')
          returning id`,
    );
    const note = await writeNote(t, doctor.auth, appt!.id, SAMPLE_NOTE);
    const [got] = await eventually(async () => receiver.received(hook.path), (r) => r.length >= 1, 'the signed note');
    expect(got!.payload.data).toEqual({ id: note.id, version: 1, appointmentId: appt!.id, patientId: world.patientId, doctorId: world.doctorId });
    for (const text of [SAMPLE_NOTE.subjective, SAMPLE_NOTE.assessment, 'J02.9', 'Ibuprofen']) expect(got!.body).not.toContain(text);
    expect(await matchesDocument(got!.payload)).toEqual([]);
  });

  it('retries 500 twice then 200: delivered once, three attempts logged', async () => {
    const hook = await subscribe(world.auth, ['patient.created'], [500, 500, 200]);
    await createPatient(t, world.auth, { name: 'Retry Patient' });
    const [line] = await eventually(() => deliveries(world.auth, hook.id), (d) => d[0]?.status === 'sent', 'the delivery to be sent');
    expect(line).toMatchObject({ eventType: 'patient.created', status: 'sent', attempts: 3, lastStatusCode: 200, nextAttemptAt: null });
    expect((await attemptsOf(line!.id)).map((a) => a.status_code)).toEqual([500, 500, 200]);
    const got = receiver.received(hook.path);
    expect(got).toHaveLength(3);
    // One message: the same webhook-id on every attempt, so the receiver can deduplicate.
    expect(new Set(got.map((g) => g.id))).toEqual(new Set([line!.id]));
    // The success ended the failing streak the two 500s began.
    const endpoint = await t.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: world.auth });
    expect(endpoint.json().data).toMatchObject({ active: true, failingSince: null });
  });

  it('410 is dead at once; a manual retry sends it again under the same id', async () => {
    const hook = await subscribe(world.auth, ['patient.created'], [410, 200]);
    await createPatient(t, world.auth, { name: 'Gone Patient' });
    const [dead] = await eventually(() => deliveries(world.auth, hook.id), (d) => d[0]?.status === 'dead', 'the delivery to be dead');
    expect(dead).toMatchObject({ status: 'dead', attempts: 1, lastStatusCode: 410 });
    const retry = await t.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/deliveries/${dead!.id}/retry`, headers: world.auth });
    expect(retry.statusCode, retry.body).toBe(202);
    const [sent] = await eventually(() => deliveries(world.auth, hook.id), (d) => d[0]?.status === 'sent', 'the retried delivery');
    expect(sent!.id).toBe(dead!.id);
    expect(receiver.received(hook.path).map((g) => g.id)).toEqual([dead!.id, dead!.id]);
    const again = await t.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/deliveries/${dead!.id}/retry`, headers: world.auth });
    expect(again.statusCode).toBe(409);
  });

  it("never sends one hospital's events to another hospital's endpoint", async () => {
    const other = await registerHospital(t, { timezone: 'UTC' });
    const mine = await subscribe(world.auth, ['patient.created']);
    const theirs = await subscribe(other.auth, ['patient.created']);
    const p1 = await createPatient(t, world.auth, { name: 'Mine' });
    const p2 = await createPatient(t, other.auth, { name: 'Theirs' });
    await eventually(async () => [receiver.received(mine.path), receiver.received(theirs.path)], ([a, b]) => a!.length >= 1 && b!.length >= 1, 'both deliveries');
    expect(receiver.received(mine.path).map((g) => g.payload.data.id)).toEqual([p1.id]);
    expect(receiver.received(theirs.path).map((g) => g.payload.data.id)).toEqual([p2.id]);
    // And the other hospital cannot see, change or retry this hospital's endpoint.
    for (const [method, url] of [
      ['GET', `/v1/webhooks/${mine.id}`],
      ['PATCH', `/v1/webhooks/${mine.id}`],
      ['GET', `/v1/webhooks/${mine.id}/deliveries`],
      ['POST', `/v1/webhooks/${mine.id}/test`],
      ['POST', `/v1/webhooks/${mine.id}/rotate-secret`],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: other.auth, ...(method === 'PATCH' ? { payload: { active: false } } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
  });

  it('sends webhook.test on request', async () => {
    const hook = await subscribe(world.auth, ['patient.created']);
    const res = await t.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/test`, headers: world.auth });
    expect(res.statusCode, res.body).toBe(202);
    const [got] = await eventually(async () => receiver.received(hook.path), (r) => r.length >= 1, 'the test event');
    expect(got!.payload).toMatchObject({ type: 'webhook.test', data: { webhookId: hook.id } });
    expect(await matchesDocument(got!.payload)).toEqual([]);
    expect(got!.id).toBe(res.json().data.id);
  });

  it('signs with both secrets during a rotation window', async () => {
    const hook = await subscribe(world.auth, ['patient.created']);
    const rotated = await t.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/rotate-secret`, headers: world.auth });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const { secret, rotationEndsAt } = rotated.json().data as { secret: string; rotationEndsAt: string };
    expect(secret).not.toBe(hook.secret);
    expect(new Date(rotationEndsAt).getTime()).toBeGreaterThan(Date.now());
    receiver.expect(hook.path, [hook.secret, secret]);
    await t.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/test`, headers: world.auth });
    const [got] = await eventually(async () => receiver.received(hook.path), (r) => r.length >= 1, 'the rotated delivery');
    expect(got!.verifiedWith).toEqual([0, 1]);
    expect(got!.signature.split(' ')).toHaveLength(2);
    // After the window only the new secret signs.
    await t.deps.database.db.execute(sql`update webhook_endpoints set previous_secret_until = now() - interval '1 second' where id = ${hook.id}::uuid`);
    await t.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/test`, headers: world.auth });
    const later = await eventually(async () => receiver.received(hook.path), (r) => r.length >= 2, 'the delivery after the window');
    expect(later[1]!.verifiedWith).toEqual([1]);
  });

  it('disables an endpoint failing for WEBHOOK_DISABLE_AFTER_HOURS and emails the owner', async () => {
    const hook = await subscribe(world.auth, ['patient.created'], [503]);
    clockOffsetMs = 0;
    await createPatient(t, world.auth, { name: 'Failing One' });
    await eventually(() => deliveries(world.auth, hook.id), (d) => d[0]?.status === 'dead', 'the first delivery to give up');
    const still = await t.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: world.auth });
    expect(still.json().data).toMatchObject({ active: true });
    expect(still.json().data.failingSince).not.toBeNull();
    clockOffsetMs = 73 * 3_600_000;
    try {
      await t.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/test`, headers: world.auth });
      const disabled = await eventually(
        async () => (await t.app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: world.auth })).json().data,
        (w: { active: boolean; disabledReason: string | null }) => !w.active,
        'the endpoint to be disabled',
      );
      expect(disabled.disabledReason).toMatch(/failed since/);
    } finally {
      clockOffsetMs = 0;
    }
    const mails = await eventually(
      () => rawRows<{ recipient: string; status: string }>(t.deps.database.db, sql`select recipient, status from notification_deliveries where template = 'webhook_disabled' and hospital_id = ${world.hospital.id}::uuid`),
      (rows) => rows.length > 0,
      'the owner email',
    );
    expect(mails.map((m) => m.recipient)).toEqual([world.hospital.ownerEmail.toLowerCase()]);
    // Disabled: new events are not queued for it; enabling again clears the streak.
    await createPatient(t, world.auth, { name: 'Not Sent' });
    const enabled = await t.app.inject({ method: 'PATCH', url: `/v1/webhooks/${hook.id}`, headers: world.auth, payload: { active: true } });
    expect(enabled.json().data).toMatchObject({ active: true, failingSince: null, disabledAt: null });
  });
});
