import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { enqueue } from '../src/infra/queue/outbox.ts';
import { deleteTopology } from '../src/infra/queue/topology.ts';
import { createMessaging } from '../src/messaging.ts';
import { renderEmail } from '../src/modules/notifications/templates.ts';
import { isolatedDatabase } from '../test/helpers/isolated-database.ts';
import { startBenchDeps, throughputResult, type BenchResult } from './lib.ts';

/**
 * End-to-end notifications per second — outbox row committed -> relay ->
 * (RabbitMQ | in-process) -> consumer (claim, render, send, record) -> SMTP
 * peer's "250 OK" — against the floor: raw Nodemailer sending the same
 * rendered email through the same pool size to the same local SMTP server,
 * in the same run. Embedded (PGlite, in-process transport) always; the
 * PostgreSQL + RabbitMQ path too when DATABASE_URL and RABBITMQ_URL are set
 * (in a throwaway database and private queue names).
 */
const MESSAGES = 400;
const WARMUP = 40;
const POOL = 5;

interface Peer {
  url: string;
  accepted: () => number;
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

async function startPeer(): Promise<Peer> {
  let accepted = 0;
  let waiter: { n: number; resolve: () => void } | undefined;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        accepted++;
        callback(null);
        if (waiter && accepted >= waiter.n) waiter.resolve();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    accepted: () => accepted,
    waitFor: (n) => (accepted >= n ? Promise.resolve() : new Promise<void>((resolve) => (waiter = { n, resolve }))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const rendered = renderEmail('welcome', { hospitalName: 'Bench Clinic', subdomain: 'bench' });

async function rawNodemailer(peer: Peer, n: number): Promise<number> {
  const transport = nodemailer.createTransport({ url: peer.url, pool: true, maxConnections: POOL });
  const send = (i: number) =>
    transport.sendMail({ from: 'Tempus <no-reply@tempus.local>', to: `raw${i}@example.test`, subject: rendered.subject, text: rendered.text, html: rendered.html });
  await Promise.all(Array.from({ length: WARMUP }, (_, i) => send(i)));
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, (_, i) => send(i)));
  const seconds = (performance.now() - t0) / 1000;
  transport.close();
  return n / seconds;
}

async function endToEnd(peer: Peer, env: Record<string, string>): Promise<number> {
  // Only the adapters named here: embedded unless env brings PostgreSQL and RabbitMQ.
  const bench = await startBenchDeps(
    { SMTP_URL: peer.url, SMTP_POOL_SIZE: String(POOL), QUEUE_CONCURRENCY: String(POOL * 2), EMAIL_PER_RECIPIENT_PER_HOUR: '1000000', ...env },
    false,
  );
  const { deps } = bench;
  const messaging = createMessaging(deps, { scheduler: false });
  await messaging.start();
  const batch = async (prefix: string, n: number) => {
    const base = peer.accepted();
    const t0 = performance.now();
    await deps.database.db.transaction((tx) =>
      enqueue(
        tx,
        Array.from({ length: n }, (_, i) => ({
          hospitalId: null,
          queue: 'email_notifications' as const,
          type: 'email',
          payload: { template: 'welcome', to: `${prefix}${i}@example.test`, data: { hospitalName: 'Bench Clinic', subdomain: 'bench' } },
        })),
      ),
    );
    await peer.waitFor(base + n);
    return (performance.now() - t0) / 1000;
  };
  try {
    await batch(`warm-${randomBytes(3).toString('hex')}-`, WARMUP);
    const seconds = await batch(`e2e-${randomBytes(3).toString('hex')}-`, MESSAGES);
    return MESSAGES / seconds;
  } finally {
    await messaging.stop();
    if (deps.rabbit && env.RABBITMQ_PREFIX) await deleteTopology(deps.rabbit.connection, deps.rabbit.topology).catch(() => undefined);
    await bench.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  const peer = await startPeer();
  try {
    const raw = await rawNodemailer(peer, MESSAGES);
    const results: BenchResult[] = [];
    const inline = await endToEnd(peer, {});
    results.push(
      throughputResult('notifications e2e (PGlite, in-process)', inline, 'raw Nodemailer pool', raw, {
        unit: 'emails/s',
        note: `${MESSAGES} emails, outbox commit -> SMTP 250, pool ${POOL}`,
      }),
    );
    if (process.env.DATABASE_URL && process.env.RABBITMQ_URL) {
      const db = await isolatedDatabase(process.env.DATABASE_URL, 'tempus_bench');
      try {
        const viaRabbit = await endToEnd(peer, { DATABASE_URL: db.url, DATABASE_DIRECT_URL: db.directUrl, RABBITMQ_URL: process.env.RABBITMQ_URL, RABBITMQ_PREFIX: `bench${randomBytes(3).toString('hex')}.` });
        results.push(
          throughputResult('notifications e2e (PostgreSQL + RabbitMQ)', viaRabbit, 'raw Nodemailer pool', raw, {
            unit: 'emails/s',
            note: `${MESSAGES} emails, relay with confirms + consumers, pool ${POOL}`,
          }),
        );
      } finally {
        await db.drop();
      }
    }
    return results;
  } finally {
    await peer.close();
  }
}
