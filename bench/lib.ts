import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pino from 'pino';
import { loadConfig, type Config } from '../src/config.ts';
import { createDeps, type Deps } from '../src/deps.ts';
import { printProfile, type ProfileLine } from './profile.ts';

/**
 * Shared shape of every benchmark: a figure and the baseline it is compared
 * with, both measured in the same run on the same machine, so the ratio means
 * something where the absolute numbers would not.
 */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baselineName: string;
  baselineValue: number;
  /** value / baseline for throughput; baseline / value for latency (higher is better either way). */
  ratio: number;
  p50Ms?: number;
  p99Ms?: number;
  note?: string;
  /** CPU milliseconds of the API process per request under this load (robust to a busy machine, unlike req/s). */
  cpuMsPerRequest?: number;
  /** The baseline's CPU per request when it is a process we can read (bare Fastify); cpu ratio = baseline / ours. */
  baselineCpuMsPerRequest?: number;
  /** `--profile`: the API's top functions by self time under this load. */
  profile?: ProfileLine[];
}

export type Benchmark = () => Promise<BenchResult[]>;

export function throughputResult(
  name: string,
  value: number,
  baselineName: string,
  baselineValue: number,
  extra: Partial<BenchResult> = {},
): BenchResult {
  return { name, value, unit: 'req/s', baselineName, baselineValue, ratio: value / baselineValue, ...extra };
}

/** CPU ms per request of a measured load (its cpuMs over its request count), when known. */
export function cpuPerRequest(m: { cpuMs: number | null; count: number }): { cpuMsPerRequest?: number } {
  return m.cpuMs === null || !m.count ? {} : { cpuMsPerRequest: m.cpuMs / m.count };
}

export function printResults(results: BenchResult[]): void {
  const rows = results.map((r) => ({
    benchmark: r.name,
    value: `${r.value.toFixed(1)} ${r.unit}`,
    baseline: `${r.baselineName}: ${r.baselineValue.toFixed(1)} ${r.unit}`,
    ratio: r.ratio.toFixed(3),
    p50: r.p50Ms === undefined ? '' : `${r.p50Ms.toFixed(2)} ms`,
    p99: r.p99Ms === undefined ? '' : `${r.p99Ms.toFixed(2)} ms`,
    'API CPU/req': r.cpuMsPerRequest === undefined ? '' : `${(r.cpuMsPerRequest * 1000).toFixed(0)} µs`,
    'cpu ratio': r.cpuMsPerRequest === undefined || r.baselineCpuMsPerRequest === undefined ? '' : (r.baselineCpuMsPerRequest / r.cpuMsPerRequest).toFixed(3),
    note: r.note ?? '',
  }));
  console.table(rows);
  for (const r of results) if (r.profile) printProfile(r.name, r.profile);
}

/** Everything a benchmark starts in-process: the real dependencies over a fresh data directory. */
export interface BenchDeps {
  config: Config;
  deps: Deps;
  /** A token from the local issuer (benchmarks sign their own; Supabase settings are refused). */
  signToken(email: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Builds the dependencies a benchmark measures: adapters follow the
 * environment (embedded by default, the real services when their URLs are
 * set), with logging off and a Redis prefix of its own.
 */
export async function startBenchDeps(overrides: Record<string, string> = {}, inheritEnv = true): Promise<BenchDeps> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tempus-bench-'));
  const config = loadConfig({
    ...(inheritEnv ? process.env : {}),
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    REDIS_KEY_PREFIX: `tempus-bench-${process.pid}-${Date.now()}:`,
    ...overrides,
  });
  const deps = await createDeps(config, pino({ level: 'silent' }));
  return {
    config,
    deps,
    async signToken(email) {
      if (!deps.auth.localIssuer) throw new Error('the benchmark signs its own tokens: run it without SUPABASE_URL/SUPABASE_JWT_SECRET');
      return deps.auth.localIssuer.sign({ email });
    },
    async close() {
      await deps.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Measured {
  rps: number;
  p50: number;
  p99: number;
  count: number;
}

/** autocannon against one URL after a warm-up; any non-2xx or error fails the benchmark. */
export async function measureHttp(
  url: string,
  headers: Record<string, string>,
  { connections = 10, warmupSeconds = 1, seconds = 4 }: { connections?: number; warmupSeconds?: number; seconds?: number } = {},
): Promise<Measured> {
  await autocannon({ url, connections, duration: warmupSeconds, headers });
  const r = await autocannon({ url, connections, duration: seconds, headers });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx responses, ${r.errors} errors`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, count: r.requests.total };
}

/** Runs `one` with `workers` concurrent loops for `seconds`; latencies in ms. */
export async function measureLoop(one: () => Promise<unknown>, workers: number, seconds: number): Promise<Measured> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await one();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { rps: latencies.length / elapsed, p50: pct(50), p99: pct(99), count: latencies.length };
}
