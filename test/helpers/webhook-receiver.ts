import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  path: string;
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
  /** Which of the path's secrets verified it (index into the list given to `expect`). */
  verifiedWith: number[];
}

/**
 * A real HTTP receiver on a free port, as an integrator would run: every
 * request is verified with the `standardwebhooks` reference library against
 * the secrets registered for its path; one that verifies with none is kept in
 * `rejected` (and answered 401), so a test can assert there are none.
 * `answers(path, [500, 500, 200])` scripts the statuses (the last one repeats).
 */
export interface WebhookReceiver {
  url(path: string): string;
  expect(path: string, secrets: string[]): void;
  answers(path: string, statuses: number[]): void;
  received(path: string): ReceivedWebhook[];
  readonly rejected: { path: string; reason: string }[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const secrets = new Map<string, string[]>();
  const scripts = new Map<string, number[]>();
  const got = new Map<string, ReceivedWebhook[]>();
  const rejected: { path: string; reason: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      };
      const verifiedWith: number[] = [];
      (secrets.get(path) ?? []).forEach((secret, i) => {
        try {
          new Webhook(secret).verify(body, headers);
          verifiedWith.push(i);
        } catch {
          // not this secret
        }
      });
      if (verifiedWith.length === 0) {
        rejected.push({ path, reason: `no secret verifies ${headers['webhook-id']}` });
        res.writeHead(401).end();
        return;
      }
      const list = got.get(path) ?? [];
      list.push({
        path,
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
        body,
        payload: JSON.parse(body) as ReceivedWebhook['payload'],
        verifiedWith,
      });
      got.set(path, list);
      const script = scripts.get(path) ?? [200];
      const status = script.length > 1 ? script.shift()! : script[0]!;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    expect: (path, list) => void secrets.set(path, list),
    answers: (path, statuses) => void scripts.set(path, [...statuses]),
    received: (path) => got.get(path) ?? [],
    rejected,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
