import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rawRows } from '../../src/infra/db/client.ts';
import { enqueue } from '../../src/infra/queue/outbox.ts';
import { registerHospital, uniqueEmail } from '../helpers/factories.ts';
import { useMailApp } from '../helpers/mailbox.ts';
import { deliveriesTo, eventually } from '../helpers/messaging.ts';
import { onServices } from '../helpers/target.ts';

/**
 * End to end: API -> outbox -> (RabbitMQ relay + consumer | in-process
 * transport) -> Nodemailer -> a real SMTP server. The same assertions hold on
 * both targets.
 */
const { t, peer: smtp } = useMailApp({}, { smtp: 'always' });

describe(`email delivery (${onServices ? 'RabbitMQ' : 'in-process'} transport)`, () => {
  it('delivers the welcome email of a registration to the hospital address, with subject, text and HTML', async () => {
    const email = uniqueEmail('welcome');
    const hospital = await registerHospital(t, { name: 'Lakeside Clinic', email });
    await smtp.waitFor((p) => p.receivedBy(email).length === 1, 20_000, 'the welcome email');
    const [mail] = smtp.receivedBy(email);
    expect(mail!.to).toEqual([email]);
    expect(mail!.subject).toBe('Welcome to Tempus, Lakeside Clinic');
    expect(mail!.text).toContain('Lakeside Clinic');
    expect(mail!.text).toContain(hospital.subdomain);
    expect(mail!.html).toContain('<strong>Lakeside Clinic</strong>');
    const lines = await eventually(() => deliveriesTo(t, email), (l) => l[0]?.status === 'sent', 'the sent line');
    expect(lines).toEqual([expect.objectContaining({ channel: 'email', template: 'welcome', status: 'sent', attempts: 1, last_error: null })]);
    expect(mail!.messageId).toBe(`<${lines[0]!.message_id}.email@tempus>`);
  });

  it('retries SMTP 4xx answers with backoff: delivered exactly once, three attempts recorded', async () => {
    const to = uniqueEmail('flaky');
    smtp.answer(({ to: rcpt, attempt }) => (rcpt.includes(to) && attempt <= 2 ? { code: 451, message: 'Try again later' } : 'accept'));
    await t.deps.database.db.transaction((tx) =>
      enqueue(tx, { hospitalId: null, queue: 'email_notifications', type: 'email', payload: { template: 'welcome', to, data: { hospitalName: 'Flaky' } } }),
    );
    const [line] = await eventually(() => deliveriesTo(t, to), (l) => l[0]?.status === 'sent', 'the third attempt to succeed');
    expect(line).toMatchObject({ status: 'sent', attempts: 3, last_error: null });
    expect(smtp.attempts.get(to)).toBe(3);
    expect(smtp.receivedBy(to)).toHaveLength(1);
    smtp.answer(() => 'accept');
  });

  it('dead-letters an SMTP 5xx at once, with the reason, without retrying', async () => {
    const to = uniqueEmail('gone');
    smtp.answer(({ to: rcpt }) => (rcpt.includes(to) ? { code: 550, message: 'Mailbox unavailable' } : 'accept'));
    const [id] = await t.deps.database.db.transaction((tx) =>
      enqueue(tx, { hospitalId: null, queue: 'email_notifications', type: 'email', payload: { template: 'welcome', to, data: { hospitalName: 'Gone' } } }),
    );
    const [line] = await eventually(() => deliveriesTo(t, to), (l) => l[0]?.status === 'dead', 'the dead line');
    expect(line!.attempts).toBe(1);
    expect(line!.last_error).toMatch(/550/);
    expect(line!.last_error).toMatch(/Mailbox unavailable/);
    const dead = await rawRows<{ reason: string; source: string; attempts: number }>(
      t.deps.database.db,
      sql`select reason, source, attempts from dead_letters where message_id = ${id!}::uuid`,
    );
    expect(dead).toEqual([{ reason: expect.stringMatching(/550/), source: 'consumer', attempts: 1 }]);
    expect(smtp.attempts.get(to)).toBe(1);
    smtp.answer(() => 'accept');
  });

  it('sends nothing for a registration whose transaction rolls back', async () => {
    const db = t.deps.database.db;
    // Make the registration fail at its very end (the audit insert), after the outbox row was written.
    await db.execute(sql`create or replace function fail_registration() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from hospitals where id = new.hospital_id and name = 'Rollback Clinic') then
          raise exception 'forced failure after the outbox insert';
        end if;
        return new;
      end $$`);
    await db.execute(sql`drop trigger if exists fail_registration on audit_events`);
    await db.execute(sql`create trigger fail_registration before insert on audit_events for each row execute function fail_registration()`);
    const doomed = uniqueEmail('doomed');
    await expect(registerHospital(t, { name: 'Rollback Clinic', email: doomed })).rejects.toThrow(/500/);
    const rows = await rawRows<{ n: number }>(db, sql`select count(*)::int as n from outbox where payload->>'to' = ${doomed}`);
    expect(rows[0]!.n).toBe(0);
    // A registration after it goes through; once its email is in, the doomed one had every chance to appear.
    const later = uniqueEmail('later');
    await registerHospital(t, { name: 'Later Clinic', email: later });
    await smtp.waitFor((p) => p.receivedBy(later).length === 1, 20_000, 'the later welcome email');
    expect(smtp.receivedBy(doomed)).toHaveLength(0);
    expect(await deliveriesTo(t, doomed)).toEqual([]);
  });
});

describe.runIf(onServices)('broker dead letters', () => {
  it('records a message no consumer can read (dead-lettered by the broker) for operators', async () => {
    const rabbit = t.deps.rabbit!;
    const publisher = rabbit.connection.createPublisher({ confirm: true });
    const messageId = crypto.randomUUID();
    await publisher.send({ exchange: rabbit.topology.exchange, routingKey: 'email_notifications', messageId, durable: true }, 'this is not JSON');
    await publisher.close();
    const [dead] = await eventually(
      () => rawRows<{ reason: string; source: string; queue: string }>(t.deps.database.db, sql`select reason, source, queue from dead_letters where message_id = ${messageId}::uuid`),
      (rows) => rows.length === 1,
      'the broker dead letter',
    );
    expect(dead).toEqual({ source: 'broker', queue: 'email_notifications', reason: 'undecodable message dead-lettered (rejected) from email_notifications' });
  });
});

