import { execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

/**
 * What the topology helpers share: free ports, commands run as the
 * `postgres` user when we are root (PostgreSQL's server binaries and
 * PgBouncer refuse to run as root), one temporary root directory per
 * topology, and its teardown by pid files, from close(), from an exit hook,
 * and from a detached reaper if this process dies without either.
 *
 * Every daemon the helpers start writes a pid file under the root:
 * PostgreSQL's `postmaster.pid`, PgBouncer's and Redis' `*.pid`. Only those
 * processes are ever signalled: never anything found by name.
 */
const run = promisify(execFile);

export const isRoot = process.getuid?.() === 0;
const POSTGRES_USER = 'postgres';

/** [command, args] that run `cmd` as the postgres user when we are root, as ourselves otherwise. */
export function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', POSTGRES_USER, '--', cmd, ...args]] : [cmd, args];
}

export async function runAsPostgres(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const [c, a] = asPostgres(cmd, args);
  try {
    const { stdout } = await run(c, a, { timeout: timeoutMs });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/** One statement on a fresh connection (no pool to outlive the server's stops and starts). */
export async function queryOnce<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, values?: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    // Without values node-postgres uses the simple query protocol (all PgBouncer's admin console speaks).
    return (await (values ? client.query<T>(text, values) : client.query<T>(text))).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let bindir: string | undefined;
/** PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup, postgres), from `pg_config --bindir`. */
export function pgBin(name: string): string {
  bindir ??= execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  const file = path.join(bindir, name);
  if (!existsSync(file)) throw new Error(`${file} not found: the topology needs PostgreSQL's server binaries (pg_config --bindir)`);
  return file;
}

/** A port nothing listens on right now (the kernel's choice; the caller binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000, stepMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** True while the process runs; a zombie (exited, not yet reaped by its parent, which for a daemon is init) counts as gone. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ..."; the comm may contain spaces, the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]!.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Signals the process of a pid file and waits until it is gone. */
export async function stopPidFile(file: string, signal: NodeJS.Signals, timeoutMs = 20_000): Promise<void> {
  const pid = readPid(file);
  if (!pid || !pidAlive(pid)) return;
  process.kill(pid, signal);
  await waitFor(`process ${pid} (${path.basename(file)}) to exit`, async () => !pidAlive(pid), timeoutMs, 50);
}

/** Every pid file under `root` (two levels: the root and each component's directory). */
function pidFiles(root: string): string[] {
  const found: string[] = [];
  const visit = (dir: string, depth: number) => {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const full = path.join(dir, name);
      if (name.endsWith('.pid')) found.push(full);
      else if (depth < 2 && statSync(full, { throwIfNoEntry: false })?.isDirectory()) visit(full, depth + 1);
    }
  };
  visit(root, 0);
  return found;
}

/**
 * Synchronous last resort: SIGQUIT to each PostgreSQL postmaster (immediate
 * shutdown; its backends exit with it), SIGKILL to every other daemon of the
 * root, then the directory goes. Used by the exit hook and by the reaper.
 */
export function reapSync(root: string): void {
  for (const file of pidFiles(root)) {
    const pid = readPid(file);
    if (!pid || !pidAlive(pid)) continue;
    try {
      process.kill(pid, path.basename(file) === 'postmaster.pid' ? 'SIGQUIT' : 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  const deadline = Date.now() + 5_000;
  while (pidFiles(root).some((f) => pidAlive(readPid(f) ?? -1)) && Date.now() < deadline) execFileSync('sleep', ['0.1']);
  rmSync(root, { recursive: true, force: true });
}

const REAPER = fileURLToPath(new URL('./reaper.ts', import.meta.url));

export interface TopologyRoot {
  dir: string;
  /** A directory under the root, owned by the postgres user when we are root. */
  subdir(name: string): string;
  /** Stops everything still running (pid files) and removes the directory; idempotent. */
  remove(): void;
}

/**
 * A temporary root for one topology, with an exit hook and a detached reaper
 * (test/cluster/topology/reaper.ts) that clean it up if this process ends
 * without calling remove(): a crashed or killed test worker leaves no daemons.
 */
export function topologyRoot(name: string): TopologyRoot {
  const dir = mkdtempSync(path.join(tmpdir(), `tempus-${name}-`));
  const owned = (d: string) => {
    if (isRoot) {
      const { uid, gid } = postgresIds();
      chownSync(d, uid, gid);
    }
    return d;
  };
  owned(dir);
  let removed = false;
  const onExit = () => remove();
  const remove = () => {
    if (removed) return;
    removed = true;
    process.off('exit', onExit);
    reapSync(dir);
  };
  process.once('exit', onExit);
  const reaper = spawn(process.execPath, ['--import', 'tsx', REAPER, String(process.pid), dir], { detached: true, stdio: 'ignore' });
  reaper.unref();
  return {
    dir,
    subdir(sub) {
      const d = path.join(dir, sub);
      execFileSync('mkdir', ['-p', d]);
      return owned(d);
    },
    remove,
  };
}

let ids: { uid: number; gid: number } | undefined;
function postgresIds() {
  ids ??= {
    uid: Number(execFileSync('id', ['-u', POSTGRES_USER], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', POSTGRES_USER], { encoding: 'utf8' }).trim()),
  };
  return ids;
}
