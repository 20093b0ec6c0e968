import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { enqueue } from '../../infra/queue/outbox.ts';
import { createScheduler } from '../../infra/queue/scheduler.ts';
import { messagingRegistry } from '../../messaging.ts';
import { registerHospital, uniqueEmail, type RegisteredHospital } from '../../../test/helpers/factories.ts';
import { addMember, newPlatformAdmin } from '../../../test/helpers/member-factories.ts';
import { useSmsPlan as useSmsPlanOf } from '../../../test/helpers/plan-factories.ts';
import { createMessagingApp, deliveriesTo, eventually, messagingTestEnv, type MessagingApp, type MessagingTestEnv } from '../../../test/helpers/messaging.ts';
import { startSmsPeer, type SmsPeer } from '../../../test/helpers/sms-peer.ts';
import { startSmtpPeer, type SmtpPeer } from '../../../test/helpers/smtp-peer.ts';
import { onServices } from '../../../test/helpers/target.ts';
import { TEST_EVENT } from './builtin.ts';

let suite: MessagingTestEnv;
let smtp: SmtpPeer;
let smsPeer: SmsPeer;
let t: MessagingApp;
let hospital: RegisteredHospital;
let taskRuns = 0;
const EMAIL_LIMIT = 3;

beforeAll(async () => {
  suite = await messagingTestEnv();
  smtp = await startSmtpPeer();
  smsPeer = await startSmsPeer();
  const registry = messagingRegistry();
  registry.addTask({
    type: 'test.tick',
    async run() {
      taskRuns++;
    },
  });
  t = await createMessagingApp({
    env: {
      ...suite.env,
      SMTP_URL: smtp.url,
      SMS_PROVIDER_URL: smsPeer.url,
      SMS_ACCOUNT_SID: 'AC0123456789',
      SMS_AUTH_TOKEN: 'test-token',
      SMS_FROM: '+15005550006',
      EMAIL_PER_RECIPIENT_PER_HOUR: String(EMAIL_LIMIT),
    },
    messaging: { registry },
  });
  hospital = await registerHospital(t);
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
  await smsPeer?.close();
  await suite?.close();
});

const db = () => t.deps.database.db;

async function sendEvent(hospitalId: string, payload: Record<string, unknown>, type = TEST_EVENT): Promise<string> {
  const [id] = await db().transaction((tx) => enqueue(tx, { hospitalId, queue: 'notifications', type, payload }));
  return id!;
}

async function sendEmail(to: string, hospitalId: string | null = hospital.id, template = 'welcome'): Promise<string> {
  const [id] = await db().transaction((tx) =>
    enqueue(tx, { hospitalId, queue: 'email_notifications', type: 'email', payload: { template, to, data: { hospitalName: 'Test Clinic' } } }),
  );
  return id!;
}

const useSmsPlan = (hospitalId: string) => useSmsPlanOf(t, hospitalId);

const linesOf = (sourceMessageId: string) =>
  rawRows<{ channel: string; recipient: string | null; status: string; last_error: string | null; message_id: string }>(
    db(),
    sql`select channel, recipient, status, last_error, message_id from notification_deliveries where source_message_id = ${sourceMessageId}::uuid order by channel`,
  );

describe('domain events (queue notifications)', () => {
  it("fans an event out in each recipient's channel: email sent, SMS skipped without smsEnabled, none skipped", async () => {
    const email = uniqueEmail('patient');
    const eventId = await sendEvent(hospital.id, {
      recipients: [
        { key: 'a', channel: 'email', email, template: 'welcome', data: { hospitalName: 'Fan Clinic' } },
        { key: 'b', channel: 'sms', phone: '+15550100001' },
        { key: 'c', channel: 'none', email: uniqueEmail('quiet') },
      ],
    });
    await smtp.waitFor((p) => p.receivedBy(email).length === 1, 20_000, 'the fanned-out email');
    const lines = await eventually(() => linesOf(eventId), (l) => l.length === 3 && l.some((x) => x.status === 'sent'), 'three lines');
    expect(lines).toEqual([
      expect.objectContaining({ channel: 'email', recipient: email, status: 'sent' }),
      expect.objectContaining({ channel: 'none', status: 'skipped', last_error: 'the recipient chose no notifications' }),
      expect.objectContaining({ channel: 'sms', recipient: '+15550100001', status: 'skipped', last_error: "the hospital's plan does not include SMS" }),
    ]);
    expect(smsPeer.accepted('+15550100001')).toHaveLength(0);
  });

  it('sends SMS through the Twilio-shaped provider on a plan with smsEnabled', async () => {
    const other = await registerHospital(t);
    await useSmsPlan(other.id);
    const phone = '+15550100002';
    const eventId = await sendEvent(other.id, {
      recipients: [{ key: 'p', channel: 'sms', phone, template: 'appointment_reminder', data: { hospitalName: 'SMS Clinic', start: '2030-03-04T09:00:00Z', timezone: 'Europe/Berlin', doctorName: 'Dr. Who' } }],
    });
    await eventually(() => linesOf(eventId), (l) => l[0]?.status === 'sent', 'the SMS line sent');
    const [request] = smsPeer.accepted(phone);
    expect(request!.path).toBe('/2010-04-01/Accounts/AC0123456789/Messages.json');
    expect(request!.authorization).toBe(`Basic ${Buffer.from('AC0123456789:test-token').toString('base64')}`);
    expect(request!.contentType).toMatch(/application\/x-www-form-urlencoded/);
    expect(request!.form).toEqual({
      To: phone,
      From: '+15005550006',
      Body: 'SMS Clinic: reminder of your appointment with Dr. Who on Monday, March 4, 2030 at 10:00 AM (Europe/Berlin).',
    });
  });

  it('handles the same event twice without fanning out or sending anything twice', async () => {
    const email = uniqueEmail('twice');
    const eventId = await sendEvent(hospital.id, { recipients: [{ key: 'x', channel: 'email', email }] });
    await smtp.waitFor((p) => p.receivedBy(email).length === 1, 20_000, 'the email');
    await eventually(() => linesOf(eventId), (l) => l[0]?.status === 'sent', 'sent');
    // A redelivery of the event, and of its email job, straight into the runtime.
    const [event] = await rawRows<{ payload: Record<string, unknown>; created_at: Date }>(db(), sql`select payload, created_at from outbox where id = ${eventId}::uuid`);
    const message = { id: eventId, hospitalId: hospital.id, queue: 'notifications' as const, type: TEST_EVENT, payload: event!.payload, attempt: 1, createdAt: new Date() };
    expect(await t.messaging.runtime.process(message)).toBe('done');
    const [line] = await linesOf(eventId);
    const [job] = await rawRows<{ payload: Record<string, unknown> }>(db(), sql`select payload from outbox where id = ${line!.message_id}::uuid`);
    expect(
      await t.messaging.runtime.process({ id: line!.message_id, hospitalId: hospital.id, queue: 'email_notifications', type: 'email', payload: job!.payload, attempt: 1, createdAt: new Date() }),
    ).toBe('done');
    const [children] = await rawRows<{ n: number }>(db(), sql`select count(*)::int as n from outbox where payload->>'sourceMessageId' = ${eventId}`);
    expect(children!.n).toBe(1);
    expect(smtp.receivedBy(email)).toHaveLength(1);
  });

  it('dead-letters an event type no module resolves', async () => {
    const id = await sendEvent(hospital.id, { anything: true }, 'nobody.listens');
    const [dead] = await eventually(
      () => rawRows<{ reason: string }>(db(), sql`select reason from dead_letters where message_id = ${id}::uuid`),
      (rows) => rows.length === 1,
      'the dead letter',
    );
    expect(dead!.reason).toBe('no resolver registered for event type nobody.listens');
  });
});

describe('SMS provider failures', () => {
  it('retries a 5xx and records both attempts; a 4xx is dead at once with the provider message', async () => {
    const other = await registerHospital(t);
    await useSmsPlan(other.id);
    const flaky = '+15550100003';
    const invalid = '+15550100004';
    smsPeer.answer((req, attempt) => (req.form.To === flaky && attempt === 1 ? 503 : req.form.To === invalid ? 400 : 201));
    const a = await sendEvent(other.id, { recipients: [{ key: 'f', channel: 'sms', phone: flaky }] });
    const b = await sendEvent(other.id, { recipients: [{ key: 'i', channel: 'sms', phone: invalid }] });
    const attemptsOf = async (eventId: string) =>
      rawRows<{ status: string; attempts: number; last_error: string | null }>(
        db(),
        sql`select status, attempts, last_error from notification_deliveries where source_message_id = ${eventId}::uuid`,
      );
    const [sent] = await eventually(() => attemptsOf(a), (l) => l[0]?.status === 'sent', 'the retried SMS');
    expect(sent).toMatchObject({ attempts: 2, last_error: null });
    const [dead] = await eventually(() => attemptsOf(b), (l) => l[0]?.status === 'dead', 'the refused SMS');
    expect(dead!.attempts).toBe(1);
    expect(dead!.last_error).toMatch(/^SMS provider 400: The 'To' number is not a valid phone number\.$/);
    expect(smsPeer.requests.filter((r) => r.form.To === invalid)).toHaveLength(1);
    smsPeer.answer(() => 201);
  });
});

describe('per-recipient email limit', () => {
  it('defers the excess until the hour allows, never drops it', async () => {
    const to = uniqueEmail('busy');
    const ids: string[] = [];
    for (let i = 0; i < EMAIL_LIMIT + 2; i++) ids.push(await sendEmail(to));
    await smtp.waitFor((p) => p.receivedBy(to).length === EMAIL_LIMIT, 20_000, 'the emails within the limit');
    const lines = await eventually(
      () => deliveriesTo(t, to),
      (l) => l.filter((x) => x.status === 'sent').length === EMAIL_LIMIT && l.filter((x) => x.status === 'queued').length === 2,
      'two deferred',
    );
    expect(lines.every((l) => l.status !== 'dead' && l.status !== 'failed')).toBe(true);
    // While the first three are in flight they hold their slots; once sent, the other two wait for the hour.
    await eventually(
      () =>
        rawRows<{ later: boolean }>(
          db(),
          sql`select available_at > now() + interval '50 minutes' as later from outbox
               where id in (select message_id from notification_deliveries where recipient = ${to} and status = 'queued') and published_at is null`,
        ),
      (rows) => rows.length === 2 && rows.every((r) => r.later),
      'both deferred by about an hour',
    );
    expect(smtp.receivedBy(to)).toHaveLength(EMAIL_LIMIT);

    // An hour passes (for these rows): the deferred ones go out, once each.
    await db().execute(sql`update notification_deliveries set sent_at = sent_at - interval '61 minutes' where recipient = ${to} and status = 'sent'`);
    await db().execute(
      sql`update outbox set available_at = now() where id in (select message_id from notification_deliveries where recipient = ${to} and status = 'queued')`,
    );
    t.messaging.wake();
    await smtp.waitFor((p) => p.receivedBy(to).length === EMAIL_LIMIT + 2, 20_000, 'the deferred emails');
    await eventually(() => deliveriesTo(t, to), (l) => l.every((x) => x.status === 'sent'), 'all sent');
    expect(new Set(smtp.receivedBy(to).map((m) => m.messageId)).size).toBe(EMAIL_LIMIT + 2);
  });
});

describe('contracts', () => {
  it('dead-letters an email job that breaks its contract at once, naming the field', async () => {
    const [id] = await db().transaction((tx) =>
      enqueue(tx, { hospitalId: hospital.id, queue: 'email_notifications', type: 'email', payload: { template: 'welcome', to: uniqueEmail('bad'), data: {} } }),
    );
    const [dead] = await eventually(
      () => rawRows<{ reason: string; attempts: number }>(db(), sql`select reason, attempts from dead_letters where message_id = ${id!}::uuid`),
      (rows) => rows.length === 1,
      'the dead letter',
    );
    expect(dead).toEqual({ reason: 'invalid welcome data: hospitalName is required', attempts: 1 });
  });
});

describe('sensitive payloads', () => {
  it('blanks an OTP code in the outbox once sent; a late copy of the message is recognised as done', async () => {
    const to = uniqueEmail('otp');
    const [id] = await db().transaction((tx) =>
      enqueue(tx, { hospitalId: hospital.id, queue: 'email_notifications', type: 'email', payload: { template: 'otp', to, data: { code: '482913' } } }),
    );
    await smtp.waitFor((p) => p.receivedBy(to).length === 1, 20_000, 'the OTP email');
    expect(smtp.receivedBy(to)[0]!.text).toContain('482913');
    const [row] = await eventually(
      () => rawRows<{ payload: { data: Record<string, unknown> } }>(db(), sql`select payload from outbox where id = ${id!}::uuid`),
      (rows) => rows[0]?.payload.data.redacted === true,
      'the code blanked',
    );
    expect(JSON.stringify(row)).not.toContain('482913');
    const late = { id: id!, hospitalId: hospital.id, queue: 'email_notifications' as const, type: 'email', payload: row!.payload, attempt: 1, createdAt: new Date() };
    expect(await t.messaging.runtime.process(late)).toBe('done');
    const dead = await rawRows(db(), sql`select 1 from dead_letters where message_id = ${id!}::uuid`);
    expect(dead).toEqual([]);
    expect(smtp.receivedBy(to)).toHaveLength(1);
  });
});

describe('scheduled tasks', () => {
  it('runs a period once however many workers tick at the same time', async () => {
    const tasks = [{ type: 'test.tick', schedule: { everyMs: 3_600_000 }, run: async () => undefined }];
    const schedulers = [1, 2, 3].map(() => createScheduler({ db: db(), logger: t.deps.logger, tasks, intervalMs: 3_600_000, start: false }));
    const results = await Promise.all(schedulers.map((s) => s.tick()));
    expect(results.flat()).toEqual(['test.tick']);
    expect((await Promise.all(schedulers.map((s) => s.tick()))).flat()).toEqual([]);
    await Promise.all(schedulers.map((s) => s.close()));
    await eventually(async () => taskRuns, (n) => n === 1, 'the task to run');
  });
});

describe('GET /v1/notifications', () => {
  it("lists the hospital's delivery log, newest first, paginated and filtered", async () => {
    const h = await registerHospital(t);
    const first = uniqueEmail('log1');
    const second = uniqueEmail('log2');
    // Workers deliver concurrently, so a delivery row's age follows delivery, not enqueue:
    // let the first one land before the second is sent, or "newest first" has no single answer.
    await eventually(() => deliveriesTo(t, h.email), (l) => l.length === 1, 'the welcome delivery logged');
    await sendEmail(first, h.id);
    await eventually(() => deliveriesTo(t, first), (l) => l.length === 1, 'the first delivery logged');
    await sendEmail(second, h.id);
    await smtp.waitFor((p) => p.receivedBy(second).length === 1 && p.receivedBy(first).length === 1, 20_000, 'two emails');
    await eventually(() => deliveriesTo(t, second), (l) => l[0]?.status === 'sent', 'sent');
    const all = await t.app.inject({ method: 'GET', url: '/v1/notifications', headers: h.auth });
    expect(all.statusCode).toBe(200);
    const items = all.json().data as { recipient: string; template: string; status: string; attempts: number; channel: string }[];
    expect(items.map((i) => i.recipient)).toEqual([second, first, h.email]);
    expect(items[0]).toMatchObject({ channel: 'email', template: 'welcome', status: 'sent', attempts: 1, lastError: null });
    expect(Object.keys(items[0]!).sort()).toEqual(['attempts', 'channel', 'createdAt', 'id', 'lastError', 'messageId', 'recipient', 'sentAt', 'status', 'template', 'updatedAt']);

    const page1 = await t.app.inject({ method: 'GET', url: '/v1/notifications?limit=1', headers: h.auth });
    expect(page1.json().data).toHaveLength(1);
    const cursor = page1.json().page.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    const page2 = await t.app.inject({ method: 'GET', url: `/v1/notifications?limit=1&cursor=${cursor}`, headers: h.auth });
    expect(page2.json().data[0].recipient).toBe(first);

    const sentOnly = await t.app.inject({ method: 'GET', url: '/v1/notifications?status=dead', headers: h.auth });
    expect(sentOnly.json().data).toEqual([]);
  });

  it('lets owner, admin and staff read it, not doctors; never shows another hospital', async () => {
    const staff = await addMember(t, hospital, 'staff');
    const doctor = await addMember(t, hospital, 'doctor');
    expect((await t.app.inject({ method: 'GET', url: '/v1/notifications', headers: staff.auth })).statusCode).toBe(200);
    const refused = await t.app.inject({ method: 'GET', url: '/v1/notifications', headers: doctor.auth });
    expect(refused.statusCode).toBe(403);
    const stranger = await registerHospital(t);
    const theirs = await t.app.inject({ method: 'GET', url: '/v1/notifications?limit=100', headers: stranger.auth });
    const recipients = (theirs.json().data as { recipient: string }[]).map((d) => d.recipient);
    expect(recipients).toEqual([stranger.email]);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['status=lost', 'status'],
    ['channel=pigeon', 'channel'],
    ['cursor=not-a-cursor', 'cursor'],
    ['colour=blue', 'colour'],
  ])('answers 400 for %s', async (query, field) => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/notifications?${query}`, headers: hospital.auth });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(res.json())).toContain(field);
  });
});

describe('dead letters (operators)', () => {
  it('lists dead messages to platform admins only and replays one exactly once', async () => {
    const to = uniqueEmail('replay');
    smtp.answer(({ to: rcpt }) => (rcpt.includes(to) ? { code: 554, message: 'Transaction failed' } : 'accept'));
    const messageId = await sendEmail(to);
    await eventually(() => deliveriesTo(t, to), (l) => l[0]?.status === 'dead', 'dead');

    expect((await t.app.inject({ method: 'GET', url: '/v1/admin/dead-letters', headers: hospital.auth })).statusCode).toBe(403);
    const admin = await newPlatformAdmin(t);
    const list = await t.app.inject({ method: 'GET', url: '/v1/admin/dead-letters?replayed=false&limit=100', headers: admin.auth });
    expect(list.statusCode).toBe(200);
    const entry = (list.json().data as { id: string; messageId: string }[]).find((d) => d.messageId === messageId);
    expect(entry).toMatchObject({ queue: 'email_notifications', type: 'email', source: 'consumer', attempts: 1, reason: expect.stringMatching(/^SMTP 554/), replayedAt: null });
    // The stored payload (addresses, template data) is for replays, not for the listing.
    expect(Object.keys(entry!).sort()).toEqual(['attempts', 'createdAt', 'hospitalId', 'id', 'messageId', 'queue', 'reason', 'replayedAt', 'replayedBy', 'source', 'type', 'updatedAt']);

    smtp.answer(() => 'accept');
    const replay = await t.app.inject({ method: 'POST', url: `/v1/admin/dead-letters/${entry!.id}/replay`, headers: admin.auth });
    expect(replay.statusCode).toBe(200);
    expect(replay.json().data.replayedAt).toEqual(expect.any(String));
    await smtp.waitFor((p) => p.receivedBy(to).length === 1, 20_000, 'the replayed email');
    const [line] = await eventually(() => deliveriesTo(t, to), (l) => l[0]?.status === 'sent', 'sent after replay');
    expect(line!.message_id).toBe(messageId);
    expect(line!.attempts).toBe(2);

    const again = await t.app.inject({ method: 'POST', url: `/v1/admin/dead-letters/${entry!.id}/replay`, headers: admin.auth });
    expect(again.statusCode).toBe(409);
    expect((await t.app.inject({ method: 'POST', url: `/v1/admin/dead-letters/${randomUUID()}/replay`, headers: admin.auth })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: '/v1/admin/dead-letters/nope/replay', headers: admin.auth })).statusCode).toBe(400);
    const [audit] = await rawRows<{ action: string }>(db(), sql`select action from audit_events where entity_id = ${entry!.id}::uuid`);
    expect(audit!.action).toBe('dead_letter.replayed');
  });
});

describe('/health', () => {
  it('reports real email and RabbitMQ checks', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    const checks = res.json().checks;
    expect(checks.email).toMatchObject({ status: 'up', mode: 'smtp' });
    if (onServices) {
      expect(checks.rabbitmq.status).toBe('up');
      expect(Object.keys(checks.rabbitmq.queues)).toContain(`${suite.prefix}email_notifications`);
    } else {
      expect(checks.rabbitmq).toMatchObject({ status: 'disabled' });
    }
  });
});
