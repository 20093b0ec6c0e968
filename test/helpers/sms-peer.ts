import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for an SMS provider with Twilio's Messages API shape:
 * POST /2010-04-01/Accounts/{sid}/Messages.json, form-encoded To/From/Body,
 * HTTP basic auth (sid:token); answers 201 with a message sid, or whatever
 * status the test programs.
 */
export interface SmsRequest {
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  form: Record<string, string>;
}

export interface SmsPeer {
  url: string;
  requests: SmsRequest[];
  /** Status to answer for the n-th request (1-based) to `to`; default 201. */
  answer(fn: (req: SmsRequest, attempt: number) => number): void;
  accepted(to: string): SmsRequest[];
  close(): Promise<void>;
}

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => resolve(body));
  });

export async function startSmsPeer(): Promise<SmsPeer> {
  const requests: SmsRequest[] = [];
  const accepted: SmsRequest[] = [];
  const attempts = new Map<string, number>();
  let decide: (req: SmsRequest, attempt: number) => number = () => 201;
  const server: Server = createServer(async (req, res) => {
    const form = Object.fromEntries(new URLSearchParams(await read(req)));
    const entry: SmsRequest = { path: req.url ?? '', authorization: req.headers.authorization, contentType: req.headers['content-type'], form };
    requests.push(entry);
    const attempt = (attempts.get(form.To ?? '') ?? 0) + 1;
    attempts.set(form.To ?? '', attempt);
    const status = req.method === 'POST' && /^\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/.test(entry.path) ? decide(entry, attempt) : 404;
    if (status === 201) accepted.push(entry);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        status === 201
          ? { sid: `SM${requests.length.toString().padStart(32, '0')}`, status: 'queued', to: form.To, from: form.From, body: form.Body }
          : { code: 21211, message: status === 400 ? "The 'To' number is not a valid phone number." : 'Service unavailable', status },
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    answer(fn) {
      decide = fn;
    },
    accepted: (to) => accepted.filter((r) => r.form.To === to),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
