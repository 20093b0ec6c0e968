import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printResults, type Benchmark, type BenchResult } from './lib.ts';

/**
 * `npm run bench [-- name...]`: runs every bench/*.bench.ts (or the named ones)
 * and prints one table of ratios to baselines measured in the same run.
 * `--profile`: the API runs under `node --cpu-prof` during each measurement
 * and the top functions by self time follow the table.
 */
const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

const all: BenchResult[] = [];
for (const file of files) {
  const mod = (await import(new URL(file, import.meta.url).href)) as { run: Benchmark };
  process.stderr.write(`running ${file}...\n`);
  all.push(...(await mod.run()));
}
printResults(all);
process.exit(0);
