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

export function printResults(results: BenchResult[]): void {
  const rows = results.map((r) => ({
    benchmark: r.name,
    value: `${r.value.toFixed(1)} ${r.unit}`,
    baseline: `${r.baselineName}: ${r.baselineValue.toFixed(1)} ${r.unit}`,
    ratio: r.ratio.toFixed(3),
    p50: r.p50Ms === undefined ? '' : `${r.p50Ms.toFixed(2)} ms`,
    p99: r.p99Ms === undefined ? '' : `${r.p99Ms.toFixed(2)} ms`,
    note: r.note ?? '',
  }));
  console.table(rows);
}
