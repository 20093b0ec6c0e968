import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { isolatedDatabase } from '../helpers/isolated-database.ts';
import { Connection } from 'rabbitmq-client';
import { queueNames } from '../../src/infra/queue/outbox.ts';
import { deleteTopology, topologyOf } from '../../src/infra/queue/topology.ts';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.ts';
import { startSupabasePeer, type SupabasePeer } from '../helpers/supabase-peer.ts';
import { startTempusProcess, type TempusProcess } from './processes.ts';
import type { Topology } from './topology/index.ts';

/**
 * A Tempus deployment in miniature, for the e2e and fault suites: two API
 * processes and two worker processes (real `src/server.ts` / `src/worker.ts`)
 * on one PostgreSQL database created for the run, one Redis key prefix, one
 * RabbitMQ prefix, one SERVER_SECRET, a real SMTP server (smtp-peer) and a
 * Supabase stand-in (JWKS over HTTP). Everything is removed again by close().
 *
 * With `topology` (test/cluster/topology) the same deployment runs on the
 * scale-out topology instead of the machine's PostgreSQL and Redis: the
 * database is made on the topology's primary, the processes reach it
 * through PgBouncer (DATABASE_URL) with DATABASE_DIRECT_URL and
 * DATABASE_READ_URL beside it, and use its Redis Cluster; RabbitMQ stays the
 * machine's.
 */
export interface ServiceUrls {
  database: string;
  redis: string;
  rabbitmq: string;
}

/** The real services' URLs; a clear failure when they are not set. */
export function requiredServiceUrls(): ServiceUrls {
  const missing = ['DATABASE_URL', 'REDIS_URL', 'RABBITMQ_URL'].filter((n) => !process.env[n]);
  if (missing.length) {
    throw new Error(
      `The cluster suites (npm run test:e2e / test:faults) run real processes against the real services: set ${missing.join(', ')} ` +
        '(e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672)',
    );
  }
  return { database: process.env.DATABASE_URL!, redis: process.env.REDIS_URL!, rabbitmq: process.env.RABBITMQ_URL! };
}

export interface ClusterOptions {
  /** Names the database (`tempus_<name>_<random>`), prefixes and log directory. */
  name: string;
  /** Extra environment for every process (limits, short delays). */
  env?: Record<string, string>;
  /** How the processes reach each service (the fault suite's proxies); default: directly. */
  route?: (service: keyof ServiceUrls, url: string) => string;
  /** Run on this scale-out topology (its PostgreSQL servers and Redis Cluster) instead of the machine's. */
  topology?: Topology;
  /** With a topology: DATABASE_URL straight to its primary instead of through its PgBouncer. */
  direct?: boolean;
  /** Processes to start (default two of each). */
  apis?: number;
  workers?: number;
}

export interface Cluster {
  env: Record<string, string>;
  smtp: SmtpPeer;
  supabase: SupabasePeer;
  /** A pool on the run's database, straight to PostgreSQL (the primary), for checks in SQL. */
  sql: pg.Pool;
  logDir: string;
  /** Current incarnation of each API / worker slot. */
  apis: TempusProcess[];
  workers: TempusProcess[];
  /** Base URLs of the APIs that take traffic (what a load balancer would route to). */
  liveApis(): string[];
  /** Round robin over the live APIs. */
  nextApi(): string;
  token(email: string): Promise<string>;
  /** Kills API slot `i` (SIGKILL by default) and takes it out of rotation. */
  killApi(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a new process in API slot `i` (a new port) and puts it back in rotation. */
  startApi(i: number): Promise<TempusProcess>;
  killWorker(i: number, signal?: NodeJS.Signals): Promise<void>;
  startWorker(i: number): Promise<TempusProcess>;
  /** Processes that died without being told to (an outage must not kill anything). */
  unexpectedExits(): string[];
  /** Messages ready in each of the run's RabbitMQ queues and dead-letter queues (asked straight from the broker). */
  queueDepths(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3_000 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function deleteRabbitTopology(url: string, prefix: string): Promise<void> {
  const connection = new Connection({ url, connectionTimeout: 5_000, acquireTimeout: 5_000, retryLow: 100, retryHigh: 500 });
  connection.on('error', () => undefined);
  try {
    await deleteTopology(connection, topologyOf(prefix));
  } finally {
    await connection.close();
  }
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const urls = requiredServiceUrls();
  const route = options.route ?? ((_s, url) => url);
  const id = randomBytes(4).toString('hex');
  const redisPrefix = `tempus-${options.name}-${id}:`;
  const rabbitPrefix = `${options.name}-${id}.`;
  const logDir = mkdtempSync(path.join(tmpdir(), `tempus-${options.name}-`));

  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err: Error) => console.warn(`cluster cleanup: ${err.message}`));
    cleanups.length = 0;
  };

  try {
    const smtp = await startSmtpPeer();
    cleanups.push(() => smtp.close());
    const supabase = await startSupabasePeer();
    cleanups.push(() => supabase.close());
    const scaleOut = options.topology;
    const database = await isolatedDatabase(scaleOut ? scaleOut.primary.url() : urls.database, `tempus_${options.name.replace(/\W/g, '_')}`);
    const dbName = new URL(database.url).pathname.slice(1);
    const dbUrl = database.url;
    cleanups.push(() => database.drop());
    // A topology's Redis Cluster goes with the topology; the machine's Redis keeps other suites' keys.
    const ownRedis = !scaleOut?.redis;
    if (ownRedis) cleanups.push(() => deleteRedisKeys(urls.redis, redisPrefix));
    cleanups.push(() => deleteRabbitTopology(urls.rabbitmq, rabbitPrefix));
    const sql = new pg.Pool({ connectionString: dbUrl, max: 4, connectionTimeoutMillis: 5_000 });
    sql.on('error', () => undefined);
    cleanups.push(() => sql.end());
    const broker = new Connection({ url: urls.rabbitmq, connectionTimeout: 5_000, acquireTimeout: 5_000, retryLow: 100, retryHigh: 1_000 });
    broker.on('error', () => undefined);
    cleanups.push(() => broker.close());
    const topology = topologyOf(rabbitPrefix);

    const env: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: path.join(logDir, 'data'),
      ...(scaleOut ? scaleOut.env(dbName, { direct: options.direct ?? false }) : { DATABASE_URL: route('database', dbUrl) }),
      ...(ownRedis ? { REDIS_URL: route('redis', urls.redis) } : {}),
      RABBITMQ_URL: route('rabbitmq', urls.rabbitmq),
      REDIS_KEY_PREFIX: redisPrefix,
      RABBITMQ_PREFIX: rabbitPrefix,
      SERVER_SECRET: randomBytes(32).toString('hex'),
      SUPABASE_URL: supabase.url,
      SUPABASE_JWT_SECRET: supabase.hsSecret,
      SMTP_URL: smtp.url,
      DB_POOL_MAX: '8',
      // Test-sized delays: retries in tenths of a second, leases of a few seconds.
      DELIVERY_BACKOFF_BASE_MS: '100',
      DELIVERY_BACKOFF_MAX_MS: '2000',
      DELIVERY_LEASE_MS: '5000',
      SMTP_TIMEOUT_MS: '3000',
      RELAY_POLL_INTERVAL_MS: '250',
      SCHEDULER_INTERVAL_MS: '1000',
      RABBITMQ_RECONNECT_MAX_DELAY_MS: '1000',
      ...options.env,
    };

    const apis: TempusProcess[] = [];
    const workers: TempusProcess[] = [];
    const apiUp: boolean[] = [];
    /** Processes we stopped on purpose (by pid). */
    const intended = new Set<number>();
    let incarnation = 0;
    let rr = 0;

    const startApi = async (i: number) => {
      const p = await startTempusProcess('api', `api-${i + 1}#${++incarnation}`, env, logDir);
      apis[i] = p;
      apiUp[i] = true;
      return p;
    };
    const startWorker = async (i: number) => {
      const p = await startTempusProcess('worker', `worker-${i + 1}#${++incarnation}`, env, logDir);
      workers[i] = p;
      return p;
    };
    const all = () => [...apis, ...workers];
    cleanups.push(async () => {
      // Graceful first (drains), then no mercy.
      await Promise.all(
        all().map(async (p) => {
          intended.add(p.pid);
          const timer = setTimeout(() => p.proc.kill('SIGKILL'), 15_000);
          await p.stop('SIGTERM');
          clearTimeout(timer);
        }),
      );
    });

    // The first API runs the migrations (under an advisory lock anyway); then the rest start together.
    const apiCount = options.apis ?? 2;
    const workerCount = options.workers ?? 2;
    await startApi(0);
    await Promise.all([
      ...Array.from({ length: apiCount - 1 }, (_, i) => startApi(i + 1)),
      ...Array.from({ length: workerCount }, (_, i) => startWorker(i)),
    ]);

    const cluster: Cluster = {
      env,
      smtp,
      supabase,
      sql,
      logDir,
      apis,
      workers,
      liveApis: () => apis.filter((_, i) => apiUp[i]).map((p) => p.url),
      nextApi() {
        const live = cluster.liveApis();
        if (!live.length) throw new Error('no API process is running');
        return live[rr++ % live.length]!;
      },
      token: (email) => supabase.sign({ email }),
      async killApi(i, signal = 'SIGKILL') {
        apiUp[i] = false;
        intended.add(apis[i]!.pid);
        await apis[i]!.stop(signal);
      },
      startApi,
      async killWorker(i, signal = 'SIGKILL') {
        intended.add(workers[i]!.pid);
        await workers[i]!.stop(signal);
      },
      startWorker,
      unexpectedExits: () => all().filter((p) => !p.alive() && !intended.has(p.pid)).map((p) => `${p.name}:\n${p.logTail(20)}`),
      async queueDepths() {
        const depths: Record<string, number> = {};
        for (const q of queueNames) {
          for (const queue of [topology.queue[q], topology.deadLetterQueue[q]]) {
            depths[queue] = (await broker.queueDeclare({ queue, passive: true })).messageCount;
          }
        }
        return depths;
      },
      async close() {
        await cleanup();
        if (!process.env.KEEP_CLUSTER_LOGS) rmSync(logDir, { recursive: true, force: true });
      },
    };
    return cluster;
  } catch (err) {
    await cleanup();
    throw new Error(`${(err as Error).message}\n(process logs in ${logDir})`);
  }
}
