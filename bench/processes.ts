import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { buildApp } from '../src/app.ts';
import { loadLocalIssuer } from '../src/infra/auth/local-issuer.ts';
import { userIdForEmail } from '../src/infra/auth/user-id.ts';
import { startBenchDeps, type BenchDeps } from './lib.ts';
import { inWindow, topFunctions, type ProfileLine, type ProfileWindow } from './profile.ts';

/**
 * The processes an honest HTTP benchmark needs: the API started as its own
 * process (as `npm start` runs it), a bare Fastify twin in another, each
 * measured by a load generator in a third (bench/loadgen.ts). Nothing the
 * server does shares an event loop with the load.
 */
const root = fileURLToPath(new URL('..', import.meta.url));

/** `npm run bench -- --profile`: the API runs under `node --cpu-prof` during each measurement. */
export const profiling = process.argv.includes('--profile');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, child: ChildProcess, stderr: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited (${child.exitCode}): ${stderr().slice(-2000)}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url}: not up after ${timeoutMs} ms: ${stderr().slice(-2000)}`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** What a benchmark's seeding gets: the app in this process over the same data, before the API process starts. */
export interface SeedContext {
  bench: BenchDeps;
  app: FastifyInstance;
  /** Headers of a signed-in user the API process accepts too. */
  signToken(email: string): Promise<string>;
}

export interface ApiProcess {
  base: string;
  /** The API process's environment (the floor ladder's servers take their keys and URLs from it). */
  env: Readonly<Record<string, string>>;
  /** `production` (PostgreSQL, Redis, RabbitMQ) or `embedded` (PGlite, in-process cache and delivery). */
  mode: 'production' | 'embedded';
  signToken(email: string): Promise<string>;
  /** Starts a fresh process over the same data, under `node --cpu-prof` when profiling. */
  /** Stops and starts the API; `env` changes its environment from then on (e.g. one switch, compared in the same run). */
  restart(options?: { profile?: boolean; env?: Record<string, string> }): Promise<void>;
  /** Stops the process; when it ran profiled, returns its top functions by self time inside the windows `profiled` marked. */
  stop(): Promise<ProfileLine[] | null>;
  /** Runs `fn` (a load) and marks its time as the part of the profile that counts. */
  profiled<T>(fn: () => Promise<T>): Promise<T>;
  pid(): number | undefined;
  close(): Promise<void>;
}

/**
 * The API as `node --import tsx src/server.ts` on a port of its own. With
 * DATABASE_URL, REDIS_URL and RABBITMQ_URL set it runs with NODE_ENV=production
 * (tokens signed with a per-run SUPABASE_JWT_SECRET, logs at INFO to a
 * discarded stdout, as a deployment writes them to a collector); otherwise
 * embedded over a throwaway data directory with the local token issuer.
 */
export async function startApi<S = undefined>(
  env: Record<string, string> = {},
  seed?: (ctx: SeedContext) => Promise<S>,
): Promise<ApiProcess & { seeded: S }> {
  const production = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL && process.env.RABBITMQ_URL);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tempus-bench-api-'));
  const jwtSecret = randomBytes(32).toString('hex');
  const audience = 'authenticated';
  const run = `${process.pid}${Date.now().toString(36)}`;
  const port = await freePort();
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    JWT_AUDIENCE: audience,
    ...(production
      ? {
          NODE_ENV: 'production',
          DATABASE_URL: process.env.DATABASE_URL!,
          REDIS_URL: process.env.REDIS_URL!,
          RABBITMQ_URL: process.env.RABBITMQ_URL!,
          REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX ?? 'tempus:'}bench-${run}:`,
          RABBITMQ_PREFIX: `${process.env.RABBITMQ_PREFIX ?? ''}bench${run}`,
          SUPABASE_JWT_SECRET: jwtSecret,
          SERVER_SECRET: randomBytes(32).toString('hex'),
          // Never dialled by the API process (the worker sends); production mode wants it named.
          SMTP_URL: 'smtp://127.0.0.1:2525',
        }
      : { NODE_ENV: 'development' }),
    ...env,
  };
  // The local issuer's key file is made here first, so this process and the API sign and verify with the same key.
  const localIssuer = production ? null : await loadLocalIssuer(dataDir, audience);
  const hsKey = new TextEncoder().encode(jwtSecret);
  const signToken = async (email: string) => {
    if (localIssuer) return localIssuer.sign({ email });
    return new SignJWT({ email, role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userIdForEmail(email))
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(hsKey);
  };

  // Seeding runs in this process over the same data (PGlite allows one process at a time), then the API starts.
  let seeded = undefined as S;
  if (seed) {
    const keep = ['DATA_DIR', 'JWT_AUDIENCE', 'DATABASE_URL', 'REDIS_URL', 'REDIS_KEY_PREFIX', 'SUPABASE_JWT_SECRET', 'SERVER_SECRET'];
    const bench = await startBenchDeps({ ...Object.fromEntries(keep.filter((k) => childEnv[k]).map((k) => [k, childEnv[k]!])), RATE_LIMIT_ENABLED: 'false', RABBITMQ_URL: '' }, false);
    const app = await buildApp(bench.deps);
    try {
      seeded = await seed({ bench, app, signToken });
    } finally {
      await app.close();
      await bench.close();
    }
  }

  let child: ChildProcess | null = null;
  let profileDir: string | null = null;
  let stderr = '';
  let window: ProfileWindow | undefined;
  const start = async (profile: boolean) => {
    profileDir = profile ? mkdtempSync(path.join(tmpdir(), 'tempus-bench-prof-')) : null;
    const args = ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), 'src/server.ts'];
    stderr = '';
    child = spawn(process.execPath, args, { cwd: root, env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-10_000)));
    await waitFor(`http://127.0.0.1:${port}/health/live`, child, () => stderr);
  };
  const stop = async (): Promise<ProfileLine[] | null> => {
    if (!child) return null;
    await stopChild(child);
    child = null;
    if (!profileDir) return null;
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    const top = file ? topFunctions(path.join(profileDir, file), window) : null;
    // BENCH_KEEP_PROFILE=dir keeps the raw profile (open it in Chrome's DevTools, or `tsx bench/profile.ts file`).
    if (file && process.env.BENCH_KEEP_PROFILE) copyFileSync(path.join(profileDir, file), path.join(process.env.BENCH_KEEP_PROFILE, `api-${Date.now()}.cpuprofile`));
    window = undefined;
    rmSync(profileDir, { recursive: true, force: true });
    profileDir = null;
    return top;
  };
  await start(false);
  return {
    base: `http://127.0.0.1:${port}`,
    env: childEnv,
    mode: production ? 'production' : 'embedded',
    seeded,
    signToken,
    async restart(options = {}) {
      await stop();
      Object.assign(childEnv, options.env);
      await start(options.profile ?? false);
    },
    stop,
    pid: () => child?.pid,
    profiled: (fn) => inWindow(fn, (w) => (window = w)),
    async close() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * What bench/bare-server.ts adds to bare Fastify: the floor ladder's layers
 * (`redis`, `jwt`, `auth`, `log`; `pg`, `tenant`, `slots`; `replay`), each read from the API
 * process's environment `env` (ApiProcess.env), and their inputs.
 */
export interface FloorSpec {
  layers: ('redis' | 'jwt' | 'auth' | 'log' | 'pg' | 'tenant' | 'slots' | 'replay')[];
  env: Record<string, string>;
  rateKey?: string;
  select?: { text: string; hospitalId: string };
  /** bench/booking.bench.ts's pgbench replay scripts. */
  replay?: string[];
  slots?: { zone: string; weekly: { day: string; start: string; end: string }[]; slotMinutes: number; bufferMinutes: number; from: string; to: string; timeOff: { startMs: number; endMs: number }[]; doctorId: string };
}

/**
 * Bare Fastify in its own process answering `url` with exactly `body` (the
 * same bytes the API sends), or, given `floor`, doing the work of its layers
 * per request (docs/performance.md "Where the floor is").
 */
export async function startBare(url: string, body: string, floor: FloorSpec = { layers: [], env: {} }): Promise<{ url: string; pid: number | undefined; close(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tempus-bench-bare-'));
  const file = path.join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify({ url, body, ...floor }));
  const port = await freePort();
  let stderr = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/bare-server.ts', String(port), file], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(`http://127.0.0.1:${port}/floor/up`, child, () => stderr);
  return {
    url: `http://127.0.0.1:${port}${url}`,
    pid: child.pid,
    async close() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux;
 * null elsewhere). CPU per request is the figure that survives a machine
 * shared with other work, where throughput wanders with everyone else's load.
 */
export function cpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line (11 and 12 after the command), in clock ticks (100/s).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** Whether a program is on PATH (wrk is optional; pgbench comes with PostgreSQL's client). */
export function installed(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}
