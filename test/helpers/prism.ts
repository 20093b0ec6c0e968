import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Stoplight Prism as a validating proxy in front of a listening app: it
 * forwards every request and reports, in an `sl-violations` header, where
 * the request or the answer departs from the OpenAPI document (undocumented
 * status, body or header not matching its schema, missing security, ...).
 * Run as its own CLI process, the way a client team would run it.
 */

export interface Violation {
  location: string[];
  severity: string;
  code: string | number;
  message: string;
}

export interface ProxiedAnswer {
  status: number;
  contentType: string | undefined;
  body: string;
  violations: Violation[];
}

type SendInit = { headers?: Record<string, string>; body?: string };

export interface PrismProxy {
  url: string;
  /** Sends through Prism and returns the app's answer with Prism's findings. */
  send(method: string, url: string, init?: SendInit): Promise<ProxiedAnswer>;
  close(): Promise<void>;
}

/** One HTTP request to `base` (Prism, or the app itself), with the violations Prism reported if it was Prism. */
export async function sendTo(base: string, method: string, target: string, init: SendInit = {}): Promise<ProxiedAnswer> {
  const res = await fetch(`${base}${target}`, { method, headers: init.headers, body: init.body, signal: AbortSignal.timeout(15_000) }).catch(
    (err: Error) => {
      throw new Error(`${method} ${base}${target}: ${err.message} (body: ${init.body?.slice(0, 200)})`);
    },
  );
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? undefined,
    body: await res.text(),
    violations: violationsOf(res.headers.get('sl-violations')),
  };
}

const BIN = path.join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'prism');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function violationsOf(header: string | null): Violation[] {
  return header ? (JSON.parse(header) as Violation[]) : [];
}

/** The answer's own violations (Prism also reports the request's: the bad-input suite sends bad requests on purpose). */
export const responseViolations = (violations: Violation[]) => violations.filter((v) => v.location[0] === 'response');

export async function startPrism(document: unknown, upstream: string): Promise<PrismProxy> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tempus-prism-'));
  const file = path.join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  const port = await freePort();
  const child: ChildProcess = spawn(BIN, ['proxy', file, upstream, '--host', '127.0.0.1', '--port', String(port), '--cors=false', '--errors=false', '-v', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start within 60 s:\n${output}`)), 60_000);
    const ready = () => {
      clearTimeout(timer);
      resolve();
    };
    const watch = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Prism is listening')) ready();
    };
    child.stdout!.on('data', watch);
    child.stderr!.on('data', watch);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Prism exited with ${code}:\n${output}`));
    });
    // -v warn hides the "listening" line: poll the port instead.
    const poll = setInterval(() => {
      fetch(`http://127.0.0.1:${port}/health/live`).then(
        () => {
          clearInterval(poll);
          ready();
        },
        () => undefined,
      );
    }, 250);
    timer.unref();
    child.once('exit', () => clearInterval(poll));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    send: (method, target, init) => sendTo(url, method, target, init),
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
