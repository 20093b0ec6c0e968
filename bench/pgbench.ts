import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * PostgreSQL's own load generator as the floor of a database-bound path:
 * `pgbench` (another process, C, libpq) running a script at a concurrency,
 * with per-transaction logs for p50/p99. Only with DATABASE_URL (PGlite has
 * no wire protocol of its own to aim it at).
 */
export interface PgbenchResult {
  tps: number;
  p50: number;
  p99: number;
  count: number;
}

export const pgbenchAvailable = () => Boolean(process.env.DATABASE_URL);

/** Runs the script (or, given several, one of them at random per transaction, as pgbench's `-f a -f b` does). */
export async function pgbench(script: string | string[], { clients, seconds, url = process.env.DATABASE_URL! }: { clients: number; seconds: number; url?: string }): Promise<PgbenchResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tempus-pgbench-'));
  try {
    const files = (Array.isArray(script) ? script : [script]).flatMap((text, i) => {
      const file = path.join(dir, `script${i}.sql`);
      writeFileSync(file, text);
      return ['-f', file];
    });
    const args = ['-n', ...files, '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(seconds), '--log', `--log-prefix=${path.join(dir, 'tx')}`, url];
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('pgbench', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`pgbench exited ${code}: ${stderr.slice(-2000)}`))));
    });
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1]);
    const failed = Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0);
    if (failed > 0 || !Number.isFinite(tps)) throw new Error(`pgbench: ${failed} failed transactions\n${out}`);
    // Log lines: client_id transaction_no time_us script_no time_epoch time_us_fraction.
    const latencies: number[] = [];
    for (const f of readdirSync(dir).filter((n) => n.startsWith('tx'))) {
      for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
        const us = Number(line.split(' ')[2]);
        if (line && Number.isFinite(us)) latencies.push(us / 1000);
      }
    }
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
    return { tps, p50: pct(50), p99: pct(99), count: latencies.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A SQL literal for a pgbench script (which has no bind parameters). */
export const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
