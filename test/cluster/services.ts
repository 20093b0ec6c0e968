import { execFile, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { startTcpProxy, viaProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const run = promisify(execFile);

/**
 * Stopping and starting the real PostgreSQL, Redis and RabbitMQ of this
 * machine (the fault suite). The commands are the ones CI (`.ci/run`) and the
 * runbooks in docs/operations.md use.
 *
 * `FAULTS_MODE=proxy` swaps each stop/start for cutting/restoring a TCP proxy
 * that the cluster's processes reach the service through: the same failures
 * as the processes see them (connections reset, nothing answering), without
 * stopping services that other suites on the same machine are using.
 */
export interface ServiceControl {
  name: 'postgresql' | 'redis' | 'rabbitmq';
  /** Makes the service unreachable; resolves once it is. */
  stop(): Promise<void>;
  /** Starts it again; resolves once it accepts connections (or throws after the deadline). */
  start(): Promise<void>;
  isUp(): Promise<boolean>;
  /** Best effort, synchronous start (process exit hook): never leave a service stopped. */
  startSync(): void;
  /** URL the cluster's processes should use (the proxy's in proxy mode). */
  urlFor(url: string): string;
  close(): Promise<void>;
}

export const proxyMode = process.env.FAULTS_MODE === 'proxy';

const ok = async (cmd: string, args: string[], timeoutMs = 20_000) => {
  try {
    await run(cmd, args, { timeout: timeoutMs });
    return true;
  } catch {
    return false;
  }
};

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const portOf = (url: string, fallback: number) => Number(new URL(url).port || fallback);

export function postgresVersion(): string {
  const versions = readdirSync('/etc/postgresql').sort();
  if (!versions.length) throw new Error('no PostgreSQL cluster under /etc/postgresql');
  return versions[versions.length - 1]!;
}

function realPostgres(url: string): ServiceControl {
  const version = postgresVersion();
  const host = new URL(url).hostname;
  const port = String(portOf(url, 5432));
  const ctl = (action: 'start' | 'stop') =>
    ['--skip-systemctl-redirect', version, 'main', action, ...(action === 'stop' ? ['-m', 'fast'] : [])];
  const isUp = () => ok('pg_isready', ['-h', host, '-p', port], 5_000);
  return {
    name: 'postgresql',
    async stop() {
      await run('pg_ctlcluster', ctl('stop'), { timeout: 60_000 });
    },
    async start() {
      if (!(await isUp())) await run('pg_ctlcluster', ctl('start'), { timeout: 60_000 }).catch(() => undefined);
      await waitUntil('PostgreSQL', isUp, 60_000);
    },
    isUp,
    startSync() {
      if (spawnSync('pg_isready', ['-h', host, '-p', port]).status !== 0) spawnSync('pg_ctlcluster', ctl('start'), { timeout: 60_000 });
    },
    urlFor: (u) => u,
    close: async () => undefined,
  };
}

/** The exact command CI starts Redis with. */
const REDIS_START = ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'];

function realRedis(url: string): ServiceControl {
  const port = String(portOf(url, 6379));
  const host = new URL(url).hostname;
  const isUp = async () => {
    try {
      const { stdout } = await run('redis-cli', ['-h', host, '-p', port, 'ping'], { timeout: 5_000 });
      return stdout.trim() === 'PONG';
    } catch {
      return false;
    }
  };
  const args = REDIS_START.map((a, i) => (REDIS_START[i - 1] === '--port' ? port : a));
  return {
    name: 'redis',
    async stop() {
      await run('redis-cli', ['-h', host, '-p', port, 'shutdown', 'nosave'], { timeout: 20_000 }).catch(() => undefined);
      await waitUntil('Redis to stop', async () => !(await isUp()), 20_000);
    },
    async start() {
      if (!(await isUp())) await run('redis-server', args, { timeout: 20_000 });
      await waitUntil('Redis', isUp, 30_000);
    },
    isUp,
    startSync() {
      if (spawnSync('redis-cli', ['-h', host, '-p', port, 'ping']).stdout?.toString().trim() !== 'PONG') spawnSync('redis-server', args, { timeout: 20_000 });
    },
    urlFor: (u) => u,
    close: async () => undefined,
  };
}

function realRabbit(): ServiceControl {
  const isUp = () => ok('rabbitmq-diagnostics', ['-q', 'check_port_connectivity'], 20_000);
  return {
    name: 'rabbitmq',
    async stop() {
      // stop_app stops the broker application but keeps the Erlang node: much
      // faster than a full stop, and every client connection is closed the same way.
      await run('rabbitmqctl', ['stop_app'], { timeout: 60_000 });
    },
    async start() {
      if (!(await isUp())) await run('rabbitmqctl', ['start_app'], { timeout: 120_000 }).catch(() => undefined);
      await waitUntil('RabbitMQ', isUp, 120_000);
    },
    isUp,
    startSync() {
      if (spawnSync('rabbitmq-diagnostics', ['-q', 'check_port_connectivity'], { timeout: 20_000 }).status !== 0) {
        spawnSync('rabbitmqctl', ['start_app'], { timeout: 120_000 });
      }
    },
    urlFor: (u) => u,
    close: async () => undefined,
  };
}

async function proxied(name: ServiceControl['name'], url: string, defaultPort: number): Promise<ServiceControl> {
  const target = new URL(url);
  const proxy: TcpProxy = await startTcpProxy(target.hostname, Number(target.port || defaultPort));
  let up = true;
  return {
    name,
    async stop() {
      up = false;
      proxy.cut();
    },
    async start() {
      up = true;
      proxy.restore();
    },
    isUp: async () => up,
    startSync: () => proxy.restore(),
    urlFor: (u) => viaProxy(u, proxy),
    close: () => proxy.close(),
  };
}

export interface Services {
  postgresql: ServiceControl;
  redis: ServiceControl;
  rabbitmq: ServiceControl;
  all: ServiceControl[];
  /** Starts whatever is down and checks every service answers (pg_isready, redis-cli ping, rabbitmq-diagnostics). */
  ensureAllUp(): Promise<void>;
  close(): Promise<void>;
}

export async function serviceControls(urls: { database: string; redis: string; rabbitmq: string }): Promise<Services> {
  const postgresql = proxyMode ? await proxied('postgresql', urls.database, 5432) : realPostgres(urls.database);
  const redis = proxyMode ? await proxied('redis', urls.redis, 6379) : realRedis(urls.redis);
  const rabbitmq = proxyMode ? await proxied('rabbitmq', urls.rabbitmq, 5672) : realRabbit();
  const all = [postgresql, redis, rabbitmq];
  // Whatever happens to the test process, the services are started again:
  // on exit, and on SIGINT/SIGTERM (which would otherwise end it without 'exit').
  const onExit = () => {
    for (const s of all) s.startSync();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    onExit();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    postgresql,
    redis,
    rabbitmq,
    all,
    async ensureAllUp() {
      const problems: string[] = [];
      for (const s of all) {
        try {
          await s.start();
        } catch (err) {
          problems.push(`${s.name}: ${(err as Error).message}`);
        }
      }
      if (problems.length) throw new Error(`services not running after the fault suite: ${problems.join('; ')}`);
    },
    async close() {
      process.off('exit', onExit);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      for (const s of all) await s.close();
    },
  };
}
