import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../src/infra/db/client.ts';
import { enqueue, leaseDue } from '../../src/infra/queue/outbox.ts';
import { createMessaging } from '../../src/messaging.ts';
import { claimDelivery } from '../../src/modules/notifications/deliveries.repo.ts';
import { uniqueEmail } from '../helpers/factories.ts';
import { createMessagingApp, eventually, messagingTestEnv, type MessagingApp, type MessagingTestEnv } from '../helpers/messaging.ts';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.ts';
import { onServices } from '../helpers/target.ts';

/**
 * Workers die and run side by side; every message is still delivered, none
 * twice. Services target: real `src/worker.ts` processes, one SIGKILLed in the
 * middle of a batch (SMTP replies held, messages unacknowledged), then two
 * started at once. Embedded target (one PGlite, so one process): two
 * in-process transports at once, and the leftovers of a crashed one (leased
 * rows, claimed deliveries) picked up after their leases run out.
 */
let suite: MessagingTestEnv;
let smtp: SmtpPeer;
let t: MessagingApp;
const children: ChildProcess[] = [];

beforeAll(async () => {
  suite = await messagingTestEnv();
  smtp = await startSmtpPeer();
  // The API side only: the workers under test do the delivering. In-process transports
  // share this app's lease, long enough that a live transport on a busy machine
  // always renews in time: only the crashed worker's leftovers (leased below with
  // a short lease of their own) may run out.
  t = await createMessagingApp({ env: { ...suite.env, SMTP_URL: smtp.url, DELIVERY_LEASE_MS: '60000' }, start: false });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await t?.close();
  await smtp?.close();
  await suite?.close();
});

async function enqueueEmails(prefix: string, n: number): Promise<string[]> {
  const emails = Array.from({ length: n }, (_, i) => uniqueEmail(`${prefix}${i}`));
  await t.deps.database.db.transaction((tx) =>
    enqueue(
      tx,
      emails.map((to) => ({ hospitalId: null, queue: 'email_notifications' as const, type: 'email', payload: { template: 'welcome', to, data: { hospitalName: 'Workers' } } })),
    ),
  );
  return emails;
}

const sentCount = async (prefix: string) =>
  (
    await rawRows<{ n: number }>(
      t.deps.database.db,
      sql`select count(*)::int as n from notification_deliveries where recipient like ${`${prefix}%`} and status = 'sent'`,
    )
  )[0]!.n;

interface Worker {
  proc: ChildProcess;
  started: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

function spawnWorker(): Worker {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATA_DIR: t.dataDir,
      RABBITMQ_URL: process.env.RABBITMQ_URL,
      SMTP_URL: smtp.url,
      ...suite.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let output = '';
  const started = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Tempus worker started')) resolve();
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    proc.once('exit', (code) => reject(new Error(`worker exited (${code}) before starting:\n${output}`)));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return { proc, started, exited, output: () => output };
}

describe.runIf(onServices)('worker processes', () => {
  it('loses nothing and sends nothing twice when a worker is SIGKILLed mid-batch, then two run at once', { timeout: 120_000 }, async () => {
    const emails = await enqueueEmails('kill', 30);
    // The first 8 are accepted; after that the peer holds its replies: messages in flight, unacknowledged.
    let accepted = 0;
    smtp.answer(() => (accepted++ < 8 ? 'accept' : 'hold'));
    const a = spawnWorker();
    await a.started;
    await smtp.waitFor((p) => p.received.length >= 8 && p.held() >= 3, 30_000, 'a batch in flight');
    // Every accepted email is recorded before the kill (the one resend window, 250 OK -> record, is closed).
    await eventually(() => sentCount('kill'), (n) => n === 8, 'the accepted emails recorded');
    a.proc.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');

    smtp.answer(() => 'accept');
    const b = spawnWorker();
    const c = spawnWorker();
    await Promise.all([b.started, c.started]);
    await smtp.waitFor((p) => emails.every((e) => p.receivedBy(e).length >= 1), 60_000, 'all 30 emails');
    await eventually(() => sentCount('kill'), (n) => n === 30, 'all recorded as sent');
    for (const e of emails) expect(smtp.receivedBy(e), e).toHaveLength(1);

    // SIGTERM drains and exits cleanly.
    b.proc.kill('SIGTERM');
    c.proc.kill('SIGTERM');
    const [bExit, cExit] = await Promise.all([b.exited, c.exited]);
    expect(bExit.code, b.output()).toBe(0);
    expect(cExit.code, c.output()).toBe(0);
  });
});

describe.runIf(!onServices)('in-process transports', () => {
  it('two at once deliver every message exactly once', async () => {
    const emails = await enqueueEmails('pair', 30);
    const first = createMessaging(t.deps);
    const second = createMessaging(t.deps);
    await Promise.all([first.start(), second.start()]);
    try {
      await smtp.waitFor((p) => emails.every((e) => p.receivedBy(e).length >= 1), 30_000, 'all 30 emails');
      await eventually(() => sentCount('pair'), (n) => n === 30, 'all recorded as sent');
      for (const e of emails) expect(smtp.receivedBy(e), e).toHaveLength(1);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  it('picks up what a crashed worker left behind once its leases run out, sending each once', async () => {
    const emails = await enqueueEmails('crash', 6);
    const db = t.deps.database.db;
    // What a worker killed mid-batch leaves in the database: leased outbox rows, claimed deliveries.
    const crashedLeaseMs = 1000;
    const rows = await leaseDue(db, 6, crashedLeaseMs);
    expect(rows).toHaveLength(6);
    for (const row of rows.slice(0, 3)) {
      await db.execute(sql`insert into notification_deliveries (message_id, channel, recipient, template) values (${row.id}::uuid, 'email', ${String(row.payload.to)}, 'welcome')`);
      expect((await claimDelivery(db, { messageId: row.id, channel: 'email' }, { leaseMs: crashedLeaseMs })).kind).toBe('claimed');
    }
    const survivor = createMessaging(t.deps);
    await survivor.start();
    try {
      await smtp.waitFor((p) => emails.every((e) => p.receivedBy(e).length >= 1), 30_000, 'the crashed batch');
      await eventually(() => sentCount('crash'), (n) => n === 6, 'all recorded as sent');
      for (const e of emails) expect(smtp.receivedBy(e), e).toHaveLength(1);
    } finally {
      await survivor.stop();
    }
  });
});
