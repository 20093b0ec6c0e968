import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { rabbitTarget } from '../../src/infra/queue/rabbitmq.ts';
import { registerHospital } from '../helpers/factories.ts';
import { createMessagingApp, eventually, messagingTestEnv, type MessagingApp, type MessagingTestEnv } from '../helpers/messaging.ts';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.ts';
import { onServices } from '../helpers/target.ts';
import { startTcpProxy, viaProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

/**
 * RABBITMQ_URL as a node list (SPEC section 17). The suite runs one broker;
 * two TCP proxies in front of it stand for two nodes of a cluster (with
 * quorum queues the second node has the same queues). Node 1 is cut while
 * the worker's loops run: the connection moves to node 2 by itself and every
 * message still arrives, once.
 */
describe('RABBITMQ_URL node list', () => {
  it('takes comma-separated URLs that differ only in host and port', () => {
    const config = loadConfig({ RABBITMQ_URL: 'amqp://u:p@10.0.0.1:5672/v, amqp://u:p@10.0.0.2:5673/v', DATABASE_URL: 'postgres://db/x' });
    expect(rabbitTarget(config.env.RABBITMQ_URL!)).toEqual({ url: 'amqp://u:p@10.0.0.1:5672/v', hosts: ['10.0.0.1:5672', '10.0.0.2:5673'] });
    expect(rabbitTarget('amqp://u:p@one:5672')).toEqual({ url: 'amqp://u:p@one:5672' });
    expect(() => loadConfig({ RABBITMQ_URL: 'amqp://u:p@a:5672,amqp://other:p@b:5672', DATABASE_URL: 'postgres://db/x' })).toThrow(
      /RABBITMQ_URL entries may differ only in host and port/,
    );
    expect(() => loadConfig({ RABBITMQ_URL: 'amqp://a:5672,b:5672', DATABASE_URL: 'postgres://db/x' })).toThrow(/RABBITMQ_URL entry 2: must use amqp/);
  });
});

describe.runIf(onServices)('RabbitMQ node list: a node lost', () => {
  let suite: MessagingTestEnv;
  let smtp: SmtpPeer;
  let nodes: TcpProxy[];
  let t: MessagingApp;

  beforeAll(async () => {
    suite = await messagingTestEnv();
    smtp = await startSmtpPeer();
    const broker = new URL(process.env.RABBITMQ_URL!);
    nodes = [await startTcpProxy(broker.hostname, Number(broker.port || 5672)), await startTcpProxy(broker.hostname, Number(broker.port || 5672))];
    t = await createMessagingApp({ env: { ...suite.env, SMTP_URL: smtp.url, RABBITMQ_URL: nodes.map((n) => viaProxy(process.env.RABBITMQ_URL!, n)).join(',') } });
  });
  afterAll(async () => {
    await t?.close();
    for (const n of nodes ?? []) await n.close();
    await smtp?.close();
    await suite?.close();
  });

  it('reconnects to the next node and delivers everything exactly once', async () => {
    const rabbit = t.deps.rabbit!;
    await eventually(async () => rabbit.connection.ready, Boolean, 'the first connection');
    const before = await registerHospital(t);
    await smtp.waitFor((p) => p.receivedBy(before.email).length === 1, 20_000, 'a welcome email via node 1');
    // Node 1 goes away for good; the connection drops and the next attempt goes to node 2.
    nodes[0]!.cut();
    await eventually(async () => rabbit.connection.ready, (ready) => !ready, 'the connection to drop', 10_000);
    const during = await Promise.all(Array.from({ length: 5 }, () => registerHospital(t)));
    await eventually(async () => rabbit.connection.ready, Boolean, 'a connection to node 2', 20_000);
    await smtp.waitFor((p) => during.every((h) => p.receivedBy(h.email).length >= 1), 30_000, 'the welcome emails via node 2');
    for (const h of [before, ...during]) expect(smtp.receivedBy(h.email).map((m) => m.subject), h.email).toEqual([expect.stringMatching(/^Welcome to Tempus/)]);
    const health = await t.app.inject({ method: 'GET', url: '/health' });
    expect(health.json().checks.rabbitmq.status).toBe('up');
  });
});
