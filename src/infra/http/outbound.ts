import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Outbound HTTP to addresses chosen by users (webhook URLs), guarded against
 * server-side request forgery:
 *
 * - the host is resolved (every A/AAAA record) and the request refused if ANY
 *   address is not public unicast: loopback, RFC 1918 and fc00::/7, link-local
 *   (which holds the cloud metadata addresses 169.254.169.254 and
 *   fd00:ec2::254), CGNAT, 0.0.0.0/8, multicast, reserved; IPv4-mapped IPv6 is
 *   judged as the IPv4 address it carries;
 * - the connection goes to the address that was checked (a `lookup` that
 *   returns it), so a second DNS answer cannot swap in another one (rebinding);
 *   TLS still verifies the certificate against the host name;
 * - redirects are never followed, the whole exchange has a deadline, and at
 *   most `maxResponseBytes` of the answer are read.
 */

export class OutboundRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefused';
  }
}

export interface GuardOptions {
  /** Skip the address checks (WEBHOOK_ALLOW_PRIVATE: tests and closed networks). */
  allowPrivate: boolean;
  /** Replaceable for tests; node's resolver by default. */
  resolve?: (host: string) => Promise<{ address: string; family: number }[]>;
}

export interface ResolvedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

const defaultResolve = (host: string) => dnsLookup(host, { all: true, verbatim: true });

/** Why an address may not be reached, or null when it is public unicast. */
export function forbiddenRange(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return 'not an IP address';
  }
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' ? null : range;
}

/**
 * Checks a URL and resolves its host: http(s) only, no credentials, every
 * address public (unless allowed). Returns the address to connect to.
 */
export async function resolveTarget(raw: string, options: GuardOptions): Promise<ResolvedTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundRefused('is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundRefused('must use https:// or http://');
  if (url.username || url.password) throw new OutboundRefused('must not contain credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (ipaddr.isValid(host)) {
    addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  } else {
    try {
      addresses = await (options.resolve ?? defaultResolve)(host);
    } catch {
      throw new OutboundRefused(`host ${host} does not resolve`);
    }
    if (addresses.length === 0) throw new OutboundRefused(`host ${host} does not resolve`);
  }
  if (!options.allowPrivate) {
    for (const a of addresses) {
      const why = forbiddenRange(a.address);
      if (why) throw new OutboundRefused(`resolves to ${a.address} (${why}), which webhooks may not reach`);
    }
  }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface PostResult {
  status: number;
  /** The first maxResponseBytes of the body, as text. */
  body: string;
}

/** A network-level failure (refused, reset, timed out): worth retrying. */
export class OutboundNetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OutboundNetworkError';
  }
}

/** POSTs to a target resolved by resolveTarget, connecting to its checked address. */
export function postTo(target: ResolvedTarget, options: PostOptions): Promise<PostResult> {
  const pinned: LookupFunction = (_host, opts, callback) => {
    // Node asks for every address when autoSelectFamily is on: answer with the one that was checked.
    if ((opts as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const requestOptions: http.RequestOptions = {
      method: 'POST',
      // The checked address, not a fresh DNS answer; no agent, so no pooled socket to another address is reused.
      lookup: pinned,
      agent: false,
      headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
    };
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => done(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('data', (chunk: Buffer) => {
        const room = options.maxResponseBytes - size;
        if (room > 0) chunks.push(chunk.subarray(0, room));
        size += chunk.length;
        // Enough read: the status is what counts, the rest of a large answer is not downloaded.
        if (size >= options.maxResponseBytes) {
          finish();
          res.destroy();
        }
      });
      res.on('end', finish);
      res.on('error', (err) => done(() => reject(new OutboundNetworkError(err.message, { cause: err }))));
    };
    const req =
      target.url.protocol === 'https:' ? https.request(target.url, requestOptions, onResponse) : http.request(target.url, requestOptions, onResponse);
    const timer = setTimeout(() => {
      done(() => reject(new OutboundNetworkError(`no complete answer within ${options.timeoutMs} ms`)));
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (err) => done(() => reject(new OutboundNetworkError(err.message, { cause: err }))));
    req.end(options.body);
  });
}
