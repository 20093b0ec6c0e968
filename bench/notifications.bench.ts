import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { emailQueueConcurrency, loadConfig } from '../src/config.ts';
import { rawRows } from '../src/infra/db/client.ts';
import { deleteTopology } from '../src/infra/queue/topology.ts';
import { createMessaging } from '../src/messaging.ts';
import { enqueueJob } from '../src/modules/notifications/jobs.ts';
import { renderEmail } from '../src/modules/notifications/templates.ts';
import { isolatedDatabase } from '../test/helpers/isolated-database.ts';
import { startBenchDeps, throughputResult, type BenchDeps, type BenchResult } from './lib.ts';
import { cpuMs, profiling } from './processes.ts';
import { startWorker } from './worker-process.ts';

/**
 * End-to-end notifications per second — email jobs committed to the outbox
 * (with their `queued` delivery lines, as enqueueJob writes them) -> relay with
 * publisher confirms -> RabbitMQ -> email consumer (contract, render, claim,
 * send, record) -> the SMTP peer's 250 for the last message — against the
 * floor: a raw Nodemailer pool of the same size sending the same rendered
 * email to the same peer, in the same run.
 *
 * With DATABASE_URL, REDIS_URL and RABBITMQ_URL set, three processes: the
 * worker as `npm run worker` runs it (bench/worker-process.ts, production
 * mode, a throwaway database and private queue names), the raw Nodemailer
 * baseline (bench/nodemailer-child.ts), and this one, which commits the jobs
 * and runs the SMTP peer (it only counts and timestamps what arrives).
 * `--profile` runs the worker under `node --cpu-prof`. Without the URLs the
 * embedded figure is measured in this process: in embedded mode the API
 * process itself runs the in-process transport, so there is no worker process
 * to start.
 */
const MESSAGES = 1000;
const WARMUP = 100;
/** Jobs per committed transaction: a booking commits one or two, a fan-out a few. */
const CHUNK = 20;
const POOL = 5;
const root = fileURLToPath(new URL('..', import.meta.url));

interface Peer {
  url: string;
  /** performance.now() of the 250 for each recipient (a duplicate is kept as a second entry). */
  arrivals: Map<string, number[]>;
  waitFor(prefix: string, n: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

async function startPeer(): Promise<Peer> {
  const arrivals = new Map<string, number[]>();
  let waiter: { prefix: string; n: number; seen: number; resolve: () => void } | undefined;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        const to = session.envelope.rcptTo[0]?.address ?? '';
        const list = arrivals.get(to) ?? [];
        list.push(performance.now());
        arrivals.set(to, list);
        callback(null);
        if (waiter && to.startsWith(waiter.prefix) && ++waiter.seen >= waiter.n) waiter.resolve();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    arrivals,
    waitFor: (prefix, n, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        let seen = 0;
        for (const [to, list] of arrivals) if (to.startsWith(prefix)) seen += list.length;
        if (seen >= n) return resolve();
        const timer = setTimeout(() => reject(new Error(`${prefix}: ${waiter?.seen ?? seen} of ${n} emails arrived within ${timeoutMs} ms`)), timeoutMs);
        waiter = { prefix, n, seen, resolve: () => (clearTimeout(timer), resolve()) };
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const DATA = { hospitalName: 'Bench Clinic', subdomain: 'bench' };
const rendered = renderEmail('welcome', DATA);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface Raw {
  rate: number;
  p50: number;
  p99: number;
  cpuMsPerEmail: number;
}

/** The baseline in its own process: raw Nodemailer, same pool size, same email, same peer. */
async function rawNodemailer(peer: Peer): Promise<Raw> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tempus-bench-mail-'));
  const file = path.join(dir, 'job.json');
  writeFileSync(file, JSON.stringify({ url: peer.url, pool: POOL, warmup: WARMUP, n: MESSAGES, prefix: `raw-${randomBytes(3).toString('hex')}-`, email: rendered }));
  try {
    return await new Promise<Raw>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/nodemailer-child.ts', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Raw) : reject(new Error(`nodemailer-child exited ${code}: ${err.slice(-2000)}`))));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface EndToEnd {
  rate: number;
  p50: number;
  p99: number;
  cpuMsPerEmail?: number;
  profile?: BenchResult['profile'];
}

/**
 * Commits `n` email jobs in transactions of CHUNK, back to back, and waits
 * for the peer's 250 of every one. The clock runs from the first commit's
 * start to the last 250; each email's latency from its own commit to its 250.
 * Then checks what exactly-once promises: one 250 per job and one `sent` line each.
 */
async function batch(bench: BenchDeps, peer: Peer, hospitalId: string, n: number): Promise<{ seconds: number; latencies: number[] }> {
  const db = bench.deps.database.db;
  const prefix = `e2e-${randomBytes(4).toString('hex')}-`;
  const committedAt: number[] = [];
  const t0 = performance.now();
  for (let from = 0; from < n; from += CHUNK) {
    const count = Math.min(CHUNK, n - from);
    await db.transaction(async (tx) => {
      const scope = { tx, hospitalId } as Parameters<typeof enqueueJob>[0];
      for (let i = from; i < from + count; i++) await enqueueJob(scope, { channel: 'email', template: 'welcome', to: `${prefix}${i}@example.test`, data: DATA });
    });
    const at = performance.now();
    for (let i = 0; i < count; i++) committedAt.push(at);
  }
  await peer.waitFor(prefix, n, 300_000);
  let last = 0;
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    const got = peer.arrivals.get(`${prefix}${i}@example.test`) ?? [];
    if (got.length !== 1) throw new Error(`${prefix}${i}: ${got.length} emails arrived, expected exactly one`);
    last = Math.max(last, got[0]!);
    latencies.push(got[0]! - committedAt[i]!);
  }
  // The worker records `sent` just after the 250, so the last lines may land a moment after the clock stopped.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [sent] = await rawRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from notification_deliveries where recipient like ${`${prefix}%`} and status = 'sent'`,
    );
    if (sent?.n === n) break;
    if (Date.now() > deadline) throw new Error(`${prefix}: ${sent?.n} delivery lines are sent, expected ${n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { seconds: (last - t0) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

/** A hospital row for the jobs to belong to (the delivery log is per hospital). */
async function benchHospital(bench: BenchDeps): Promise<string> {
  const [row] = await rawRows<{ id: string }>(
    bench.deps.database.db,
    sql`insert into hospitals (name, subdomain, email, timezone) values ('Bench Clinic', ${`bench-${randomBytes(4).toString('hex')}`}, 'bench@example.test', 'UTC') returning id`,
  );
  return row!.id;
}

/**
 * The worker's own default: EMAIL_QUEUE_CONCURRENCY unset is four emails in flight per SMTP connection
 * (emailQueueConcurrency). BENCH_QUEUE_CONCURRENCY=<n> tries another figure.
 */
const tried = process.env.BENCH_QUEUE_CONCURRENCY;
const settings = { SMTP_POOL_SIZE: String(POOL), EMAIL_PER_RECIPIENT_PER_HOUR: '1000000', ...(tried ? { EMAIL_QUEUE_CONCURRENCY: tried } : {}) };
const CONCURRENCY = emailQueueConcurrency(loadConfig(settings).env);

/** Production: the worker in its own process over a throwaway database and private queues. */
async function viaWorker(peer: Peer): Promise<EndToEnd> {
  const db = await isolatedDatabase(process.env.DATABASE_URL, 'tempus_bench');
  const run = randomBytes(3).toString('hex');
  const shared = {
    DATABASE_URL: db.url,
    DATABASE_DIRECT_URL: db.directUrl,
    RABBITMQ_URL: process.env.RABBITMQ_URL!,
    RABBITMQ_PREFIX: `${process.env.RABBITMQ_PREFIX ?? ''}bench${run}.`,
  };
  // This process migrates the database and commits the jobs; it neither relays nor consumes.
  const bench = await startBenchDeps({ ...shared, ...settings }, false);
  try {
    const hospitalId = await benchHospital(bench);
    const worker = await startWorker(
      {
        ...shared,
        ...settings,
        REDIS_URL: process.env.REDIS_URL!,
        REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX ?? 'tempus:'}bench-${run}:`,
        SMTP_URL: peer.url,
        SERVER_SECRET: randomBytes(32).toString('hex'),
        SUPABASE_JWT_SECRET: randomBytes(32).toString('hex'),
      },
      { profile: profiling },
    );
    let measured: { seconds: number; latencies: number[] };
    let cpu: number | null = null;
    try {
      await batch(bench, peer, hospitalId, WARMUP);
      const before = cpuMs(worker.pid());
      measured = await worker.profiled(() => batch(bench, peer, hospitalId, MESSAGES));
      const after = cpuMs(worker.pid());
      cpu = before === null || after === null ? null : after - before;
    } catch (err) {
      await worker.stop();
      throw err;
    }
    const profile = await worker.stop();
    return {
      rate: MESSAGES / measured.seconds,
      p50: pct(measured.latencies, 50),
      p99: pct(measured.latencies, 99),
      ...(cpu === null ? {} : { cpuMsPerEmail: cpu / MESSAGES }),
      ...(profile ? { profile } : {}),
    };
  } finally {
    if (bench.deps.rabbit) await deleteTopology(bench.deps.rabbit.connection, bench.deps.rabbit.topology).catch(() => undefined);
    await bench.close();
    await db.drop();
  }
}

/** Embedded: PGlite and the in-process transport, in this process (as the API process runs them). */
async function inProcess(peer: Peer): Promise<EndToEnd> {
  const bench = await startBenchDeps({ SMTP_URL: peer.url, ...settings }, false);
  const messaging = createMessaging(bench.deps, { scheduler: false });
  await messaging.start();
  try {
    const hospitalId = await benchHospital(bench);
    await batch(bench, peer, hospitalId, WARMUP);
    const measured = await batch(bench, peer, hospitalId, MESSAGES);
    return { rate: MESSAGES / measured.seconds, p50: pct(measured.latencies, 50), p99: pct(measured.latencies, 99) };
  } finally {
    await messaging.stop();
    await bench.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  const peer = await startPeer();
  try {
    // The baseline before and after the end-to-end run, averaged: on a shared machine the load drifts between the two.
    const before = await rawNodemailer(peer);
    const production = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL && process.env.RABBITMQ_URL);
    const e2e = production ? await viaWorker(peer) : await inProcess(peer);
    const after = await rawNodemailer(peer);
    const raw = { rate: (before.rate + after.rate) / 2, cpuMsPerEmail: (before.cpuMsPerEmail + after.cpuMsPerEmail) / 2 };
    const rawNote = `raw ${before.rate.toFixed(0)} / ${after.rate.toFixed(0)} emails/s before / after, p50 ${before.p50.toFixed(0)} ms, p99 ${before.p99.toFixed(0)} ms, ${(raw.cpuMsPerEmail * 1000).toFixed(0)} µs CPU/email`;
    const results: BenchResult[] = [];
    results.push(
      throughputResult(
        production ? 'notifications e2e (worker process: PostgreSQL + RabbitMQ)' : 'notifications e2e (PGlite, in-process)',
        e2e.rate,
        'raw Nodemailer pool (own process)',
        raw.rate,
        {
          unit: 'emails/s',
          p50Ms: e2e.p50,
          p99Ms: e2e.p99,
          ...(e2e.cpuMsPerEmail === undefined ? {} : { cpuMsPerRequest: e2e.cpuMsPerEmail, baselineCpuMsPerRequest: raw.cpuMsPerEmail }),
          ...(e2e.profile ? { profile: e2e.profile } : {}),
          note: `${MESSAGES} emails in commits of ${CHUNK}, commit -> SMTP 250, pool ${POOL}, ${CONCURRENCY} in flight; ${rawNote}`,
        },
      ),
    );
    return results;
  } finally {
    await peer.close();
  }
}
