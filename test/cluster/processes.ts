import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Real `src/server.ts` / `src/worker.ts` processes (`node --import tsx ...`),
 * as production runs them. Output goes to one log file per incarnation; the
 * API's bound address is read from its JSON start-up line (PORT=0).
 */
export type ProcessKind = 'api' | 'worker';

export interface TempusProcess {
  kind: ProcessKind;
  /** e.g. `api-1#2`: second incarnation of API 1. */
  name: string;
  proc: ChildProcess;
  pid: number;
  /** `http://127.0.0.1:<port>` (APIs only). */
  url: string;
  logFile: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** Sends the signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  logTail(lines?: number): string;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GUARD = fileURLToPath(new URL('./orphan-guard.ts', import.meta.url));

/** Every child still running, killed synchronously if the test process exits without cleaning up. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function killAllSync(): void {
  for (const child of live) child.kill('SIGKILL');
}

const tail = (file: string, lines = 40) => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};

export async function startTempusProcess(
  kind: ProcessKind,
  name: string,
  env: Record<string, string>,
  logDir: string,
  timeoutMs = 90_000,
): Promise<TempusProcess> {
  installExitHook();
  const entry = kind === 'api' ? 'src/server.ts' : 'src/worker.ts';
  const logFile = path.join(logDir, `${name.replace(/[^\w.-]/g, '_')}.log`);
  const log = createWriteStream(logFile);
  const proc = spawn(process.execPath, ['--import', 'tsx', '--import', GUARD, entry], {
    cwd: ROOT,
    // Only what the process needs: nothing of the test runner's environment leaks in.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TEMPUS_CLUSTER_PARENT_PID: String(process.pid), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    }),
  );
  proc.stderr!.pipe(log, { end: false });

  let url = '';
  const started = new Promise<void>((resolve, reject) => {
    let buffer = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      log.write(chunk);
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        let entry: { msg?: string; address?: string };
        try {
          entry = JSON.parse(line);
        } catch {
          continue;
        }
        if (kind === 'api' && typeof entry.address === 'string' && entry.msg?.startsWith('Tempus API listening')) {
          url = entry.address.replace('0.0.0.0', '127.0.0.1');
          resolve();
        }
        if (kind === 'worker' && entry.msg === 'Tempus worker started') resolve();
      }
    });
    void exited.then(({ code, signal }) => reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${tail(logFile)}`)));
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      started,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name} not ready after ${timeoutMs} ms:\n${tail(logFile)}`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    proc.kill('SIGKILL');
    await exited;
    throw err;
  } finally {
    clearTimeout(timer);
  }
  proc.stdout!.on('end', () => log.end());
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  return {
    kind,
    name,
    proc,
    pid: proc.pid!,
    url,
    logFile,
    exited,
    alive,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (alive()) proc.kill(signal);
      return exited;
    },
    logTail: (lines) => tail(logFile, lines),
  };
}
