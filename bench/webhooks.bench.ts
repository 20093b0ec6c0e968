import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../src/app.ts';
import { deleteTopology } from '../src/infra/queue/topology.ts';
import { createMessaging } from '../src/messaging.ts';
import { signatureHeader } from '../src/modules/webhooks/secrets.ts';
import { isolatedDatabase } from '../test/helpers/isolated-database.ts';
import { startBenchDeps, throughputResult, type BenchResult } from './lib.ts';
import { cpuMs, profiling } from './processes.ts';
import { injector } from './seed.ts';
import { startWorker, type WorkerProcess } from './worker-process.ts';

/**
 * Webhook deliveries per second end to end — a change through the API
 * (PATCH /v1/patients/:id) commits its `patient.updated` job to the outbox ->
 * relay (in-process | RabbitMQ) -> webhook consumer (claim, SSRF check, sign,
 * POST, record) -> the receiver's 200 — against the floor: raw signed `fetch`
 * POSTs of the same body to the same receiver with the same concurrency, in
 * the same run. Embedded always (everything in this process); with
 * DATABASE_URL, REDIS_URL and RABBITMQ_URL set also PostgreSQL + RabbitMQ with
 * the worker as its own process (`npm run worker`, bench/worker-process.ts,
 * a throwaway database, private queue names; `--profile` profiles it), the
 * PATCHes still through the app in this process.
 */
const EVENTS = 300;
const WARMUP = 30;
const CONCURRENCY = 10;

interface Receiver {
  url: string;
  received: () => number;
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  let received = 0;
  let waiter: { n: number; resolve: () => void } | undefined;
  const server = http.createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      received++;
      res.writeHead(200).end('ok');
      if (waiter && received >= waiter.n) waiter.resolve();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received: () => received,
    waitFor: (n) => (received >= n ? Promise.resolve() : new Promise<void>((resolve) => (waiter = { n, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs `n` tasks, `CONCURRENCY` at a time. */
async function pool(n: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) await task(next++);
  }));
}

async function rawFetch(receiver: Receiver, n: number): Promise<number> {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const post = async () => {
    const id = randomUUID();
    const body = JSON.stringify({ type: 'patient.updated', timestamp: new Date().toISOString(), data: { id: randomUUID(), version: 2 } });
    const at = new Date();
    const res = await fetch(receiver.url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signatureHeader([secret], id, at, body),
      },
      body,
    });
    await res.text();
    if (res.status !== 200) throw new Error(`raw fetch: ${res.status}`);
  };
  await pool(WARMUP, post);
  const t0 = performance.now();
  await pool(n, post);
  return n / ((performance.now() - t0) / 1000);
}

interface EndToEnd {
  rate: number;
  /** The worker process's CPU per delivery (separate-worker runs only). */
  cpuMsPerDelivery?: number;
  profile?: BenchResult['profile'];
}

/** `workerEnv`: run the relay and consumers in a worker process with these settings instead of in this process. */
async function endToEnd(receiver: Receiver, env: Record<string, string>, workerEnv?: Record<string, string>): Promise<EndToEnd> {
  const bench = await startBenchDeps(
    { WEBHOOK_ALLOW_PRIVATE: 'true', QUEUE_CONCURRENCY: String(CONCURRENCY), RATE_LIMIT_ENABLED: 'false', ...env },
    false,
  );
  const { deps } = bench;
  const app = await buildApp(deps);
  await app.ready();
  const messaging = workerEnv ? null : createMessaging(deps, { scheduler: false });
  await messaging?.start();
  let worker: WorkerProcess | null = null;
  try {
    const auth = { authorization: `Bearer ${await bench.signToken(`bench-${randomBytes(4).toString('hex')}@example.test`)}` };
    const call = injector(app, auth);
    await call('POST', '/v1/hospitals', { name: 'Bench Clinic', subdomain: `bench-${randomBytes(4).toString('hex')}`, email: 'clinic@example.test', timezone: 'UTC' });
    const patient = await call('POST', '/v1/patients', { name: 'Bench Patient' });
    await call('POST', '/v1/webhooks', { url: receiver.url, events: ['patient.updated'] });
    if (workerEnv) worker = await startWorker({ ...env, ...workerEnv, WEBHOOK_ALLOW_PRIVATE: 'true', QUEUE_CONCURRENCY: String(CONCURRENCY) }, { profile: profiling });
    const batch = async (n: number) => {
      const base = receiver.received();
      const t0 = performance.now();
      await pool(n, async (i) => void (await call('PATCH', `/v1/patients/${patient.id}`, { name: `Bench Patient ${i}` })));
      process.stderr.write(`changes committed in ${((performance.now() - t0) / 1000).toFixed(2)} s, ${receiver.received() - base} delivered so far\n`);
      await receiver.waitFor(base + n);
      return (performance.now() - t0) / 1000;
    };
    await batch(WARMUP);
    const before = cpuMs(worker?.pid());
    const seconds = worker ? await worker.profiled(() => batch(EVENTS)) : await batch(EVENTS);
    const after = cpuMs(worker?.pid());
    const profile = worker ? await worker.stop() : null;
    worker = null;
    return {
      rate: EVENTS / seconds,
      ...(before === null || after === null ? {} : { cpuMsPerDelivery: (after - before) / EVENTS }),
      ...(profile ? { profile } : {}),
    };
  } finally {
    await worker?.stop();
    await messaging?.stop();
    await app.close();
    if (deps.rabbit && env.RABBITMQ_PREFIX) await deleteTopology(deps.rabbit.connection, deps.rabbit.topology).catch(() => undefined);
    await bench.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  const receiver = await startReceiver();
  try {
    const raw = await rawFetch(receiver, EVENTS);
    const note = `${EVENTS} PATCHes, ${CONCURRENCY} at a time, commit -> receiver 200`;
    const inline = await endToEnd(receiver, {});
    const results = [throughputResult('webhooks e2e (PGlite, in-process)', inline.rate, 'raw signed fetch', raw, { unit: 'deliveries/s', note })];
    if (process.env.DATABASE_URL && process.env.REDIS_URL && process.env.RABBITMQ_URL) {
      const db = await isolatedDatabase(process.env.DATABASE_URL, 'tempus_bench');
      const run = randomBytes(3).toString('hex');
      try {
        const viaWorker = await endToEnd(
          receiver,
          {
            DATABASE_URL: db.url,
            DATABASE_DIRECT_URL: db.directUrl,
            RABBITMQ_URL: process.env.RABBITMQ_URL,
            RABBITMQ_PREFIX: `${process.env.RABBITMQ_PREFIX ?? ''}bench${run}.`,
            // The endpoint's signing secret is sealed with it here and opened with it in the worker.
            SERVER_SECRET: randomBytes(32).toString('hex'),
          },
          {
            REDIS_URL: process.env.REDIS_URL,
            REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX ?? 'tempus:'}bench-${run}:`,
            SUPABASE_JWT_SECRET: randomBytes(32).toString('hex'),
            // Production mode wants one named; webhooks never dial it.
            SMTP_URL: 'smtp://127.0.0.1:2525',
          },
        );
        results.push(
          throughputResult('webhooks e2e (worker process: PostgreSQL + RabbitMQ)', viaWorker.rate, 'raw signed fetch', raw, {
            unit: 'deliveries/s',
            note,
            ...(viaWorker.cpuMsPerDelivery === undefined ? {} : { cpuMsPerRequest: viaWorker.cpuMsPerDelivery }),
            ...(viaWorker.profile ? { profile: viaWorker.profile } : {}),
          }),
        );
      } finally {
        await db.drop();
      }
    }
    return results;
  } finally {
    await receiver.close();
  }
}
