import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMs, installed } from './processes.ts';

/**
 * The load generator, always in a process of its own: `wrk` when installed
 * (GETs), otherwise autocannon in a child Node process (bench/autocannon-child.ts),
 * which also drives the POSTs whose bodies change per request.
 */
const root = fileURLToPath(new URL('..', import.meta.url));

export interface Load {
  rps: number;
  p50: number;
  p99: number;
  count: number;
  statuses: Record<string, number>;
  generator: string;
  /** CPU ms the server process (LoadOptions.pid) spent during the measurement, null when unknown. */
  cpuMs: number | null;
}

/** Bookings: each request books the next free slot of one of `targets`, round robin. */
export interface BookingBodies {
  kind: 'booking';
  targets: { token: string; doctorId: string; patientId: string }[];
  firstSlotMs: number;
  slotMinutes: number;
}

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
  warmupSeconds?: number;
  method?: 'GET' | 'POST';
  bodies?: BookingBodies;
  /** The server process whose CPU time the measurement reads (not the warm-up). */
  pid?: () => number | undefined;
  /** Force autocannon even where wrk is installed. */
  autocannon?: boolean;
}

const run = (cmd: string, args: string[]) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`))));
  });

const ms = (value: string, unit: string) => Number(value) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit]!;

async function wrk(o: LoadOptions, seconds: number): Promise<Omit<Load, 'cpuMs'>> {
  const headers = Object.entries(o.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const out = await run('wrk', ['-t1', `-c${o.connections}`, `-d${seconds}s`, '--latency', ...headers, o.url]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    return m ? ms(m[1]!, m[2]!) : NaN;
  };
  const count = Number(/(\d+) requests in/.exec(out)?.[1]);
  const bad = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = /Socket errors: (.*)/.exec(out)?.[1];
  if (bad > 0 || errors) throw new Error(`${o.url}: wrk saw ${bad} non-2xx responses${errors ? `, socket errors ${errors}` : ''}`);
  return { rps, p50: pct('50'), p99: pct('99'), count, statuses: { '2xx': count }, generator: 'wrk -t1' };
}

async function autocannon(o: LoadOptions, seconds: number): Promise<Omit<Load, 'cpuMs'>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tempus-bench-load-'));
  const file = path.join(dir, 'load.json');
  writeFileSync(file, JSON.stringify({ ...o, pid: undefined, seconds }));
  try {
    const out = await run(process.execPath, ['--import', 'tsx', 'bench/autocannon-child.ts', file]);
    return JSON.parse(out) as Omit<Load, 'cpuMs'>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A warm-up, then the measurement; any non-2xx fails the benchmark (its bodies are meant to succeed). */
export async function load(o: LoadOptions): Promise<Load> {
  const gen = !o.autocannon && !o.bodies && (o.method ?? 'GET') === 'GET' && installed('wrk') ? wrk : autocannon;
  if (o.warmupSeconds) await gen(o, o.warmupSeconds);
  // The measured bookings start 50,000 slots after the warm-up's, so none asks for a time already taken.
  const measured = o.bodies ? { ...o, bodies: { ...o.bodies, firstSlotMs: o.bodies.firstSlotMs + 50_000 * o.bodies.slotMinutes * 60_000 } } : o;
  const before = cpuMs(o.pid?.());
  const result = await gen(measured, o.seconds);
  const after = cpuMs(o.pid?.());
  return { ...result, cpuMs: before === null || after === null ? null : after - before };
}
