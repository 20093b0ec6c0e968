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
 *   most `maxResponseBytes` of the answer are read;
 * - a connection is kept alive for the next request only inside an agent of
 *   one origin AND one checked address (createOutboundAgents), so it is
 *   reused only for a request whose URL was checked again and resolved to
 *   that same allowed address.
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
  /** Keep-alive connections (createOutboundAgents); without, every request opens and closes its own. */
  agents?: OutboundAgents;
}

export interface OutboundAgents {
  /** The keep-alive agent of `target`'s origin and checked address. */
  agentFor(target: ResolvedTarget): http.Agent;
  /** Closes every kept connection (shutdown). */
  destroy(): void;
}

/**
 * Keep-alive agents for the webhook sender, one per origin (scheme, host,
 * port) and checked address: a TCP (and TLS) connection per POST was most of
 * a delivery's cost (docs/performance.md, "Notifications and webhooks: the
 * send path"). Node's own agent names its pools by host and port only, so one
 * agent for all would hand a connection made to an address DNS no longer
 * gives (or the guard no longer allows) to the next request for that host;
 * here the address is part of the key, and every socket of an agent was
 * opened through the pinned lookup to that one address.
 *
 * Idle connections close after `idleMs` (below the 5 s keep-alive most
 * servers keep, so the receiver rarely closes one under a request) and do not
 * hold the process open. At most `maxAgents` agents are remembered, least
 * recently used forgotten first; a forgotten agent's idle connections still
 * close after `idleMs`, its busy ones finish their request.
 */
export function createOutboundAgents(options: { idleMs?: number; maxAgents?: number; maxFreeSockets?: number } = {}): OutboundAgents {
  const { idleMs = 4_000, maxAgents = 256, maxFreeSockets = 16 } = options;
  const agents = new Map<string, http.Agent>();
  return {
    agentFor(target) {
      const key = `${target.url.protocol}//${target.url.host} ${target.address}`;
      let agent = agents.get(key);
      if (agent) agents.delete(key);
      else {
        const settings = { keepAlive: true, timeout: idleMs, maxFreeSockets, scheduling: 'lifo' as const };
        agent = target.url.protocol === 'https:' ? new https.Agent(settings) : new http.Agent(settings);
      }
      // Map order is use order: the first key is the least recently used.
      agents.set(key, agent);
      if (agents.size > maxAgents) agents.delete(agents.keys().next().value!);
      return agent;
    },
    destroy() {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}

/** A kept connection the receiver closed just as it was reused: the request never reached it, so it is sent once more on a fresh one. */
const isStaleConnection = (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.code === 'ECONNABORTED';

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
export async function postTo(target: ResolvedTarget, options: PostOptions): Promise<PostResult> {
  const deadline = Date.now() + options.timeoutMs;
  try {
    return await postOnce(target, options, options.timeoutMs);
  } catch (err) {
    if (!(err instanceof StaleConnection)) throw err;
    // One retry, on a new connection (the stale one is gone), within what is left of the deadline.
    return postOnce(target, options, Math.max(1, deadline - Date.now()));
  }
}

/** The error a reused keep-alive connection fails with before any answer came back on it. */
class StaleConnection extends OutboundNetworkError {}

function postOnce(target: ResolvedTarget, options: PostOptions, timeoutMs: number): Promise<PostResult> {
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
      // The checked address, not a fresh DNS answer; pooled sockets only from this origin's agent for this address.
      lookup: pinned,
      agent: options.agents ? options.agents.agentFor(target) : false,
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
    let answered = false;
    req.once('response', () => (answered = true));
    const timer = setTimeout(() => {
      done(() => reject(new OutboundNetworkError(`no complete answer within ${options.timeoutMs} ms`)));
      req.destroy();
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && !answered && isStaleConnection(err);
      done(() => reject(new (stale ? StaleConnection : OutboundNetworkError)(err.message, { cause: err })));
    });
    req.end(options.body);
  });
}
