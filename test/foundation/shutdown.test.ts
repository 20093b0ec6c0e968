import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { onServices, serviceUrls } from '../helpers/target.ts';

describe('graceful shutdown', () => {
  it('on SIGTERM drains, closes its pools and exits 0', async () => {
    const env = {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'tempus-shutdown-')),
      DATABASE_URL: onServices ? serviceUrls().DATABASE_URL : '',
      REDIS_URL: '',
      RABBITMQ_URL: '',
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = createInterface({ input: child.stdout });
    const logs: Record<string, unknown>[] = [];
    const address = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
      lines.on('line', (line) => {
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (typeof entry.address === 'string') resolve(entry.address);
        } catch {
          // not a log line
        }
      });
    });
    const health = await fetch(`${address}/health/live`);
    expect(health.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Closed for good: nothing listens on the address any more.
    await expect(fetch(`${address}/health/live`)).rejects.toThrow();
    expect(logs.some((l) => /shutting down/.test(String(l.msg)))).toBe(true);
  }, 60_000);
});
