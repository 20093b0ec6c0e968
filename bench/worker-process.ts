import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from './processes.ts';
import { inWindow, topFunctions, type ProfileLine, type ProfileWindow } from './profile.ts';

/**
 * The worker as `npm run worker` runs it (`node --import tsx src/worker.ts`),
 * in a process of its own, for the messaging benchmarks: nothing the relay and
 * the consumers do shares an event loop with the bench that feeds them or the
 * peer that receives. Production mode (it refuses PGlite anyway), logs at
 * INFO to a drained pipe; up when it logs "Tempus worker started".
 */
const root = fileURLToPath(new URL('..', import.meta.url));

export interface WorkerProcess {
  pid(): number | undefined;
  /** Runs `fn` (the measured load) and marks its time as the part of the profile that counts. */
  profiled<T>(fn: () => Promise<T>): Promise<T>;
  /** Stops the worker (SIGTERM, graceful drain); when profiled, its top functions by self time inside the marked window. */
  stop(): Promise<ProfileLine[] | null>;
}

export async function startWorker(env: Record<string, string>, options: { profile?: boolean } = {}): Promise<WorkerProcess> {
  const profileDir = options.profile ? mkdtempSync(path.join(tmpdir(), 'tempus-bench-worker-prof-')) : null;
  const args = ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), 'src/worker.ts'];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-10_000));
  child.stderr!.on('data', keep);
  if (process.env.BENCH_WORKER_STDERR) child.stderr!.pipe(process.stderr);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker did not start within 60 s: ${output.slice(-2000)}`)), 60_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`the worker exited (${code}): ${output.slice(-2000)}`));
    };
    child.once('exit', onExit);
    child.stdout!.on('data', (d: Buffer) => {
      keep(d);
      if (output.includes('Tempus worker started')) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve();
      }
    });
  });
  let window: ProfileWindow | undefined;
  return {
    pid: () => child.pid,
    profiled: (fn) => inWindow(fn, (w) => (window = w)),
    async stop() {
      await stopChild(child);
      if (!profileDir) return null;
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      const top = file ? topFunctions(path.join(profileDir, file), window, 25) : null;
      // BENCH_KEEP_PROFILE=<file>: keep the whole profile for a closer look (e.g. in Chrome's DevTools).
      if (file && process.env.BENCH_KEEP_PROFILE) copyFileSync(path.join(profileDir, file), process.env.BENCH_KEEP_PROFILE);
      rmSync(profileDir, { recursive: true, force: true });
      return top;
    },
  };
}
