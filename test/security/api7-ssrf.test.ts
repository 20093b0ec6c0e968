/**
 * OWASP API7:2023 Server Side Request Forgery.
 *
 * Tempus fetches no URL a client supplies: its only outgoing HTTP requests
 * go to the SMS provider (SMS_PROVIDER_URL) and to Supabase's JWKS
 * (SUPABASE_URL), both read from configuration at start. This suite keeps it
 * that way: it scans src/ for every primitive that opens an outgoing HTTP
 * connection and fails on a new call site, so adding one is a reviewed
 * decision (with an allow-list entry and a reason).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

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
