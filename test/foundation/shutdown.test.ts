import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { onServices, serviceUrls } from '../helpers/target.ts';

/** The API as `npm start` runs it, its stdout read line by line; resolves once it listens. */
async function startServer(extraEnv: Record<string, string> = {}) {
  const env = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'tempus-shutdown-')),
    DATABASE_URL: onServices ? serviceUrls().DATABASE_URL : '',
    REDIS_URL: '',
    RABBITMQ_URL: '',
    ...extraEnv,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout });
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Every line up to the end of stdout, which comes after the exit's last write.
  const closed = new Promise<void>((resolve) => lines.on('close', resolve));
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
  return { child, logs, address, exited, closed };
}

describe('graceful shutdown', () => {
  it('on SIGTERM drains, closes its pools and exits 0', async () => {
    const { child, logs, address, exited } = await startServer();
    const health = await fetch(`${address}/health/live`);
    expect(health.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Closed for good: nothing listens on the address any more.
    await expect(fetch(`${address}/health/live`)).rejects.toThrow();
    expect(logs.some((l) => /shutting down/.test(String(l.msg)))).toBe(true);
  }, 120_000);

  // Log lines written in batches (LOG_SYNC=false): the ones
  // still waiting when SIGTERM arrives must reach stdout before the exit.
  it('writes the access line of every request it answered before exiting on SIGTERM', async () => {
    const { child, logs, address, exited, closed } = await startServer({ LOG_SYNC: 'false', LOG_BUFFER_BYTES: '16000', LOG_FLUSH_INTERVAL_MS: '10000' });
    const ids = Array.from({ length: 200 }, (_, i) => `flush-test-${i}`);
    for (let i = 0; i < ids.length; i += 20) {
      const answers = await Promise.all(ids.slice(i, i + 20).map((id) => fetch(`${address}/health/live`, { headers: { 'x-request-id': id } })));
      expect(answers.map((a) => a.status)).toEqual(Array(answers.length).fill(200));
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await closed;
    const logged = new Set(logs.filter((l) => l.msg === 'request completed').map((l) => l.reqId));
    expect(ids.filter((id) => !logged.has(id))).toEqual([]);
  }, 120_000);
});
