import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../src/infra/db/client.ts';
import { registerHospital, uniqueEmail } from '../helpers/factories.ts';
import { createMessagingApp, eventually, messagingTestEnv, type MessagingApp, type MessagingTestEnv } from '../helpers/messaging.ts';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.ts';
import { onServices } from '../helpers/target.ts';
import { startTcpProxy, viaProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

/**
 * Nothing is lost while the broker is away. Services target: the app and its
 * worker reach the shared RabbitMQ through a TCP proxy that the test cuts (the
 * broker itself keeps running for everyone else). Embedded target: the
 * in-process transport is simply not running while hospitals register.
 */
let suite: MessagingTestEnv;
let smtp: SmtpPeer;
let proxy: TcpProxy | undefined;
let t: MessagingApp;

beforeAll(async () => {
  suite = await messagingTestEnv();
  smtp = await startSmtpPeer();
  const env: Record<string, string> = { ...suite.env, SMTP_URL: smtp.url };
  if (onServices) {
    const target = new URL(process.env.RABBITMQ_URL!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5672));
    env.RABBITMQ_URL = viaProxy(process.env.RABBITMQ_URL!, proxy);
  }
  t = await createMessagingApp({ env, start: onServices });
});
afterAll(async () => {
  proxy?.restore();
  await t?.close();
  await proxy?.close();
  await smtp?.close();
  await suite?.close();
});

describe(onServices ? 'RabbitMQ unreachable' : 'delivery not running', () => {
  it('keeps all 50 welcome emails of registrations made meanwhile, then sends each exactly once', async () => {
    const db = t.deps.database.db;
    if (proxy) {
      proxy.cut();
      await eventually(async () => t.deps.rabbit!.connection.ready, (ready) => !ready, 'the connection to drop');
      const health = await t.app.inject({ method: 'GET', url: '/health' });
      expect(health.json().checks.rabbitmq.status).toBe('down');
      expect(health.json().status).toBe('degraded');
    }

    const emails = Array.from({ length: 50 }, (_, i) => uniqueEmail(`outage${i}`));
    for (let i = 0; i < emails.length; i += 10) {
      // The API does not need the broker: registration only writes the outbox.
      await Promise.all(emails.slice(i, i + 10).map((email) => registerHospital(t, { email })));
    }
    const [waiting] = await rawRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from outbox where queue = 'email_notifications' and published_at is null and payload->>'to' like 'outage%'`,
    );
    expect(waiting!.n).toBe(50);
    expect(smtp.received).toHaveLength(0);

    if (proxy) proxy.restore();
    else await t.messaging.start();

    await smtp.waitFor((p) => emails.every((e) => p.receivedBy(e).length >= 1), 60_000, '50 welcome emails');
    for (const email of emails) expect(smtp.receivedBy(email), email).toHaveLength(1);
    const lines = await eventually(
      () => rawRows<{ status: string; attempts: number }>(db, sql`select status, attempts from notification_deliveries where recipient like 'outage%'`),
      (rows) => rows.length === 50 && rows.every((r) => r.status === 'sent'),
      'every line sent',
    );
    expect(lines.every((l) => l.attempts === 1)).toBe(true);
    if (proxy) {
      const health = await t.app.inject({ method: 'GET', url: '/health' });
      expect(health.json().checks.rabbitmq.status).toBe('up');
    }
  });
});
