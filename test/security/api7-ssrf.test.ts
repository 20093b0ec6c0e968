/**
 * OWASP API7:2023 Server Side Request Forgery.
 *
 * Tempus' outgoing HTTP requests go to the SMS provider (SMS_PROVIDER_URL)
 * and to Supabase's JWKS (SUPABASE_URL), both read from configuration at
 * start — and to webhook URLs, which hospitals supply. Those go through one
 * guarded client (src/infra/http/outbound.ts): every resolved address must be
 * public unicast (unless WEBHOOK_ALLOW_PRIVATE), the connection is pinned to
 * the checked address, no redirects, a deadline, at most 4 KiB read. This
 * suite scans src/ for every primitive that opens an outgoing HTTP connection
 * and fails on a new call site, so adding one is a reviewed decision (with an
 * allow-list entry and a reason), and it attacks the guard.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundAgents, OutboundNetworkError, OutboundRefused, postTo, resolveTarget } from '../../src/infra/http/outbound.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { registerHospital, type RegisteredHospital } from '../helpers/factories.ts';

const SRC = path.resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** Primitives that make an outgoing HTTP(S) request. */
const OUTGOING = /\bfetch\s*\(|createRemoteJWKSet\s*\(|\bhttps?\.(request|get)\s*\(|\bundici\b|\baxios\b|\bgot\s*\(|new\s+WebSocket\s*\(|\bXMLHttpRequest\b/g;

/** Each allowed call site, and what shows its target comes from configuration. */
const ALLOWED: Record<string, { calls: number; target: RegExp }> = {
  'infra/sms/sms.ts': { calls: 1, target: /const endpoint = `\$\{env\.SMS_PROVIDER_URL\}\/2010-04-01\/Accounts\/\$\{encodeURIComponent\(sid\)\}\/Messages\.json`;[\s\S]*fetch\(endpoint,/ },
  'infra/auth/verifier.ts': { calls: 1, target: /createRemoteJWKSet\(new URL\(`\$\{env\.SUPABASE_URL\}\/auth\/v1\/\.well-known\/jwks\.json`\)/ },
  // User-supplied URLs: only to a target resolveTarget() checked, connected through the pinned lookup,
  // kept connections only in an agent keyed by the origin and that checked address.
  'infra/http/outbound.ts': {
    calls: 2,
    target:
      /const key = `\$\{target\.url\.protocol\}\/\/\$\{target\.url\.host\} \$\{target\.address\}`;[\s\S]*function postOnce\(target: ResolvedTarget[\s\S]*lookup: pinned,\s*agent: options\.agents \? options\.agents\.agentFor\(target\) : false,[\s\S]*https\.request\(target\.url, requestOptions[\s\S]*http\.request\(target\.url, requestOptions/,
  },
};

describe('API7 server-side request forgery', () => {
  it('makes outgoing HTTP requests only from the allowed places, to URLs from configuration', () => {
    const found: Record<string, number> = {};
    for (const file of sourceFiles(SRC)) {
      const text = readFileSync(file, 'utf8');
      const calls = [...text.matchAll(OUTGOING)].length;
      if (calls) found[path.relative(SRC, file).split(path.sep).join('/')] = calls;
    }
    expect(found).toEqual(Object.fromEntries(Object.entries(ALLOWED).map(([file, { calls }]) => [file, calls])));
    for (const [file, { target }] of Object.entries(ALLOWED)) {
      expect(readFileSync(path.join(SRC, file), 'utf8'), `${file}: the request target must come from configuration`).toMatch(target);
    }
  });

  it('accepts only http(s) URLs for those settings', async () => {
    const { loadConfig } = await import('../../src/config.ts');
    for (const name of ['SMS_PROVIDER_URL', 'SUPABASE_URL']) {
      for (const bad of ['file:///etc/passwd', 'gopher://127.0.0.1:6379/_INFO', 'not a url']) {
        expect(() => loadConfig({ NODE_ENV: 'test', DATA_DIR: '/tmp/unused', [name]: bad }), `${name}=${bad}`).toThrow(new RegExp(name));
      }
    }
  });
});

describe('API7: webhook URLs', () => {
  let t: TestApp;
  let hospital: RegisteredHospital;
  let server: http.Server;
  let port: number;
  const seen: string[] = [];
  beforeAll(async () => {
    // No WEBHOOK_ALLOW_PRIVATE: the production rules.
    t = await createTestApp();
    hospital = await registerHospital(t);
    server = http.createServer((req, res) => {
      seen.push(`${req.headers.host} ${req.url}`);
      if (req.url === '/big') {
        res.writeHead(200);
        res.end('x'.repeat(1024 * 1024));
      } else if (req.url === '/slow') {
        // Never answers: the deadline must end it.
      } else {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
  });

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/hook',
    'http://[fd00:ec2::254]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://10.0.0.8/hook',
    'http://172.16.4.4/hook',
    'http://192.168.1.1/hook',
    'http://100.64.0.1/hook',
    'http://0.0.0.0/hook',
    'http://[fe80::1]/hook',
    'http://2130706433/hook',
    'http://user:pass@93.184.216.34/hook',
  ])('refuses a webhook to %s with a 400', async (url) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/webhooks', headers: hospital.auth, payload: { url, events: ['patient.created'] } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(res.json().error).toMatch(/url /);
  });

  it('refuses a host if any of its addresses is private (all A/AAAA records are checked)', async () => {
    const resolve = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ];
    await expect(resolveTarget('https://mixed.example/hook', { allowPrivate: false, resolve })).rejects.toThrow(OutboundRefused);
    await expect(resolveTarget('https://mixed.example/hook', { allowPrivate: false, resolve: async () => [{ address: '2606:2800:220:1::1', family: 6 }] })).resolves.toMatchObject({
      address: '2606:2800:220:1::1',
    });
  });

  it('connects to the address it checked, whatever DNS says next (no rebinding)', async () => {
    let lookups = 0;
    const target = await resolveTarget(`http://rebind.example:${port}/pinned`, {
      allowPrivate: true,
      resolve: async () => (lookups++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '169.254.169.254', family: 4 }]),
    });
    const result = await postTo(target, { headers: {}, body: '{}', timeoutMs: 2_000, maxResponseBytes: 4096 });
    expect(lookups).toBe(1);
    expect(result.status).toBe(302);
    expect(seen).toContain(`rebind.example:${port} /pinned`);
  });

  it('follows no redirect, reads at most 4 KiB and gives up at the deadline', async () => {
    const local = (path: string) => resolveTarget(`http://127.0.0.1:${port}${path}`, { allowPrivate: true });
    const redirect = await postTo(await local('/redirect'), { headers: {}, body: '{}', timeoutMs: 2_000, maxResponseBytes: 4096 });
    expect(redirect.status).toBe(302);
    expect(seen.filter((s) => s.includes('meta-data'))).toEqual([]);
    const big = await postTo(await local('/big'), { headers: {}, body: '{}', timeoutMs: 2_000, maxResponseBytes: 4096 });
    expect(big.body.length).toBe(4096);
    await expect(postTo(await local('/slow'), { headers: {}, body: '{}', timeoutMs: 200, maxResponseBytes: 4096 })).rejects.toThrow(OutboundNetworkError);
  });

  it('keeps a connection only for the same origin and the same checked address', async () => {
    // Two receivers on one port, one per loopback address: the same URL, two DNS answers.
    const connections: string[] = [];
    const receivers = ['127.0.0.1', '127.0.0.2'].map((address) =>
      http
        .createServer((req, res) => {
          req.resume();
          req.on('end', () => res.writeHead(200).end(address));
        })
        .on('connection', () => connections.push(address)),
    );
    await new Promise<void>((resolve) => receivers[0]!.listen(0, '127.0.0.1', resolve));
    const shared = (receivers[0]!.address() as AddressInfo).port;
    await new Promise<void>((resolve) => receivers[1]!.listen(shared, '127.0.0.2', resolve));
    const agents = createOutboundAgents();
    try {
      const to = (address: string) =>
        resolveTarget(`http://hooks.example:${shared}/h`, { allowPrivate: true, resolve: async () => [{ address, family: 4 }] });
      const post = async (address: string) =>
        (await postTo(await to(address), { headers: {}, body: '{}', timeoutMs: 2_000, maxResponseBytes: 4096, agents })).body;
      expect(await post('127.0.0.1')).toBe('127.0.0.1');
      expect(await post('127.0.0.1')).toBe('127.0.0.1');
      expect(connections).toEqual(['127.0.0.1']);
      // DNS now says .2: a new connection there, not the kept one to .1.
      expect(await post('127.0.0.2')).toBe('127.0.0.2');
      expect(await post('127.0.0.1')).toBe('127.0.0.1');
      expect(connections).toEqual(['127.0.0.1', '127.0.0.2']);
    } finally {
      agents.destroy();
      for (const r of receivers) {
        r.closeAllConnections();
        await new Promise((resolve) => r.close(resolve));
      }
    }
  });

  it('sends again on a new connection when a kept one turns out closed under the request', async () => {
    let requests = 0;
    const receiver = http.createServer((req, res) => {
      requests++;
      // The second request on a connection: the receiver drops the connection instead of answering.
      if ((req.socket as { served?: boolean }).served) return void req.socket.destroy();
      (req.socket as { served?: boolean }).served = true;
      req.resume();
      req.on('end', () => res.writeHead(200).end('ok'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const agents = createOutboundAgents();
    try {
      const target = await resolveTarget(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/h`, { allowPrivate: true });
      const post = () => postTo(target, { headers: {}, body: '{}', timeoutMs: 2_000, maxResponseBytes: 4096, agents });
      expect((await post()).status).toBe(200);
      expect((await post()).status).toBe(200);
      expect(requests).toBe(3);
    } finally {
      agents.destroy();
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
