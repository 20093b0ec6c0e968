import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A small reader of V8's .cpuprofile (the JSON `node --cpu-prof` writes:
 * `nodes` with `callFrame` and `id`, `samples` naming a node per tick,
 * `timeDeltas` in microseconds between ticks): self time per function,
 * summed over every node of the same function.
 */
interface CpuProfile {
  startTime: number;
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  fn: string;
  selfMs: number;
  percent: number;
}

const where = (url: string, line: number) => {
  if (!url) return '';
  const file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('node_modules/');
  const short = nm >= 0 ? file.slice(nm + 'node_modules/'.length) : file.includes('/src/') ? `src/${file.split('/src/').pop()}` : path.basename(file);
  return ` ${short}:${line + 1}`;
};

/** Microseconds on the clock V8's profiler stamps samples with (CLOCK_MONOTONIC, as process.hrtime: the same in every process). */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** Top functions by self time, counting only the samples inside `window` (the load), not start-up or shutdown. */
export function topFunctions(file: string, window?: ProfileWindow, limit = 15): ProfileLine[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nameOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    nameOf.set(node.id, `${functionName || '(anonymous)'}${where(url, lineNumber)}`);
  }
  const self = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    const name = nameOf.get(id) ?? '?';
    if (name === '(idle)') return;
    total += dt;
    self.set(name, (self.get(name) ?? 0) + dt);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([fn, us]) => ({ fn, selfMs: us / 1000, percent: (100 * us) / total }));
}

export function printProfile(title: string, lines: ProfileLine[]): void {
  process.stdout.write(`\nTop functions by self time (share of the API's busy time under load): ${title}\n`);
  for (const l of lines) process.stdout.write(`  ${l.percent.toFixed(1).padStart(5)}%  ${l.selfMs.toFixed(0).padStart(6)} ms  ${l.fn}\n`);
}

// `tsx bench/profile.ts file.cpuprofile`: the same table for any profile.
if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  printProfile(process.argv[2]!, topFunctions(process.argv[2]!, undefined, Number(process.argv[3] ?? 25)));
}

/** Runs `fn` and hands `record` the window it ran in, which topFunctions then keeps the samples of. */
export async function inWindow<T>(fn: () => Promise<T>, record: (window: ProfileWindow) => void): Promise<T> {
  const fromUs = monotonicUs();
  try {
    return await fn();
  } finally {
    record({ fromUs, toUs: monotonicUs() });
  }
}
