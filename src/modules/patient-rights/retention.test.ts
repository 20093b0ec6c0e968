import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messagingRegistry } from '../../messaging.ts';
import { rawRows } from '../../infra/db/client.ts';
import { enqueue } from '../../infra/queue/outbox.ts';
import { uniqueEmail } from '../../../test/helpers/factories.ts';
import { createMessagingApp, eventually, messagingTestEnv, type MessagingApp, type MessagingTestEnv } from '../../../test/helpers/messaging.ts';
import { noteWorld, type NoteWorld } from '../../../test/helpers/visit-note-factories.ts';
import { RETENTION_TASK, runRetention } from './retention.ts';

/**
 * The retention task, run the way the scheduler runs it (a `tasks` message
 * through the queue's consumer), over rows on both sides of each limit.
 */
let menv: MessagingTestEnv;
let t: MessagingApp;
beforeAll(async () => {
  menv = await messagingTestEnv();
  t = await createMessagingApp({ env: { RATE_LIMIT_ENABLED: 'false', ...menv.env } });
});
afterAll(async () => {
  await t?.close();
  await menv?.close();
});

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const db = () => t.deps.database.db;

async function seed(w: NoteWorld) {
  // Access events: as the owner role, which may insert with any `at` (the tenant role may not set it).
  await db().execute(sql`insert into access_events (hospital_id, patient_id, actor_user_id, purpose, at) values
    (${w.hospital.id}, ${w.patientId}, ${w.staff.userId}, 'patient.read', ${ago(2_200)}::timestamptz),
    (${w.hospital.id}, ${w.patientId}, ${w.staff.userId}, 'patient.read', ${ago(2_195)}::timestamptz),
    (${w.hospital.id}, ${w.patientId}, ${w.staff.userId}, 'patient.read', ${ago(2_180)}::timestamptz)`);
  const inv = (expires: string, extra: { accepted?: boolean; revoked?: string } = {}) =>
    sql`(${w.hospital.id}, ${uniqueEmail('inv')}, 'staff', ${randomUUID()}, ${w.hospital.id}, ${expires}::timestamptz,
         ${extra.accepted ? ago(60) : null}::timestamptz, ${extra.revoked ?? null}::timestamptz)`;
  await db().execute(sql`insert into hospital_invitations (hospital_id, email, role, token_hash, invited_by_user_id, expires_at, accepted_at, revoked_at) values
    ${inv(ago(40))}, ${inv(ago(5))}, ${inv(ago(40), { accepted: true })}, ${inv(ago(-3), { revoked: ago(31) })}`);
  const letter = (queue: string, days: number) =>
    sql`(${randomUUID()}, ${w.hospital.id}, ${queue}, 'email', ${JSON.stringify({ to: 'someone@mail.example', data: { patientName: 'Old Name' } })}::jsonb, 'gave up', 8, 'consumer', ${ago(days)}::timestamptz)`;
  await db().execute(sql`insert into dead_letters (message_id, hospital_id, queue, type, payload, reason, attempts, source, created_at) values
    ${letter('email_notifications', 31)}, ${letter('sms_notifications', 45)}, ${letter('email_notifications', 2)}, ${letter('tasks', 90)}`);
}

const accessDays = async (w: NoteWorld) =>
  (await rawRows<{ d: number }>(db(), sql`select round(extract(epoch from now() - at) / 86400)::int as d from access_events where hospital_id = ${w.hospital.id} order by at`)).map((r) => r.d);
const invitations = async (w: NoteWorld) =>
  rawRows<{ accepted: boolean; revoked: boolean; expired_days: number }>(
    db(),
    sql`select accepted_at is not null as accepted, revoked_at is not null as revoked, round(extract(epoch from now() - expires_at) / 86400)::int as expired_days
          from hospital_invitations where hospital_id = ${w.hospital.id} order by expires_at`,
  );
const letters = async (w: NoteWorld) =>
  rawRows<{ queue: string; redacted: boolean }>(
    db(),
    sql`select queue, payload ? 'redacted' as redacted from dead_letters where hospital_id = ${w.hospital.id} order by created_at`,
  );

describe('retention task', () => {
  it('is scheduled hourly through the one scheduler', () => {
    expect(messagingRegistry().tasks.get(RETENTION_TASK)?.schedule).toEqual({ everyMs: 3_600_000 });
  });

  it('removes what is past its time and nothing else, counted in tempus_retention_rows_removed_total', async () => {
    const w = await noteWorld(t);
    await seed(w);
    const metric = async (kind: string) =>
      ((await t.deps.metrics.registry.getSingleMetric('tempus_retention_rows_removed_total')!.get()).values.find((v) => v.labels.kind === kind)?.value ?? 0);
    const [id] = await enqueue(db(), { hospitalId: null, queue: 'tasks', type: RETENTION_TASK, payload: {} });
    t.messaging.wake();
    await eventually(() => accessDays(w), (days) => days.length === 1, 'old access events gone');
    expect(await accessDays(w)).toEqual([2_180]);
    await eventually(async () => (await rawRows<{ p: boolean }>(db(), sql`select published_at is not null as p from outbox where id = ${id}::uuid`))[0]?.p ?? true, (p) => p, 'the task run');
    // The expired (40 days) and the long-revoked invitation go; recently expired and accepted ones stay.
    expect(await invitations(w)).toEqual([
      { accepted: true, revoked: false, expired_days: 40 },
      { accepted: false, revoked: false, expired_days: 5 },
    ]);
    // Email and SMS bodies older than DELIVERY_BODY_RETENTION_DAYS are blanked; a recent one and other queues' letters stay.
    expect(await letters(w)).toEqual([
      { queue: 'tasks', redacted: false },
      { queue: 'sms_notifications', redacted: true },
      { queue: 'email_notifications', redacted: true },
      { queue: 'email_notifications', redacted: false },
    ]);
    expect(await metric('access_events')).toBeGreaterThanOrEqual(2);
    expect(await metric('invitations')).toBeGreaterThanOrEqual(2);
    expect(await metric('delivery_bodies')).toBeGreaterThanOrEqual(2);
  });

  it('deletes expired holds with their contact details, and leaves live ones', async () => {
    const w = await noteWorld(t);
    const hold = (id: string, expires: string, hour: number) =>
      sql`insert into appointments (id, hospital_id, doctor_id, starts_at, ends_at, status, hold_expires_at)
          values (${id}::uuid, ${w.hospital.id}, ${w.doctor.doctorId}, now() + make_interval(days => 3, hours => ${hour}::int),
                  now() + make_interval(days => 3, hours => ${hour}::int, mins => 30), 'held', ${expires}::timestamptz)`;
    const [expired, live] = [randomUUID(), randomUUID()];
    await db().execute(hold(expired, ago(0.01), 1));
    await db().execute(hold(live, ago(-0.01), 2));
    await db().execute(sql`insert into appointment_holds (appointment_id, hospital_id, kind, contact_name, contact_email)
      values (${expired}::uuid, ${w.hospital.id}, 'public', 'A Visitor', ${uniqueEmail('visitor')}), (${live}::uuid, ${w.hospital.id}, 'public', null, null)`);
    const removed = await runRetention(db(), { ACCESS_LOG_RETENTION_DAYS: 2_190, DELIVERY_BODY_RETENTION_DAYS: 30 });
    expect(removed.expired_holds).toBeGreaterThanOrEqual(1);
    const left = await rawRows<{ id: string }>(db(), sql`select appointment_id as id from appointment_holds where hospital_id = ${w.hospital.id}`);
    expect(left.map((r) => r.id)).toEqual([live]);
    const rows = await rawRows<{ id: string }>(db(), sql`select id from appointments where hospital_id = ${w.hospital.id} and status = 'held'`);
    expect(rows.map((r) => r.id)).toEqual([live]);
  });

  it('works through a backlog in bounded batches', async () => {
    const w = await noteWorld(t);
    await db().execute(sql`insert into access_events (hospital_id, patient_id, purpose, at)
      select ${w.hospital.id}, ${w.patientId}, 'patient.list', now() - interval '2200 days' from generate_series(1, 7)`);
    const removed = await runRetention(db(), { ACCESS_LOG_RETENTION_DAYS: 2_190, DELIVERY_BODY_RETENTION_DAYS: 30 }, new Date(), 2);
    expect(removed.access_events).toBeGreaterThanOrEqual(7);
    expect(await accessDays(w)).toEqual([]);
  });
});
