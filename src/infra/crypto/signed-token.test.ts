import { describe, expect, it } from 'vitest';
import { createSignedTokens } from './signed-token.ts';

const SECRET = 'test-secret-0123456789abcdef';
const at = (iso: string) => new Date(iso);

describe('signed tokens', () => {
  let clock = at('2026-03-01T10:00:00Z');
  const tokens = createSignedTokens(SECRET, () => clock);
  const payload = { h: 'a1b2', a: 'c3d4' };
  const expiresAt = at('2026-03-08T10:00:00Z');

  it('verifies what it signed, for the same purpose, until the expiry', () => {
    clock = at('2026-03-01T10:00:00Z');
    const token = tokens.sign('manage', payload, expiresAt);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(tokens.verify('manage', token)).toEqual(payload);
    clock = at('2026-03-08T09:59:59Z');
    expect(tokens.verify('manage', token)).toEqual(payload);
    clock = at('2026-03-08T10:00:00Z');
    expect(tokens.verify('manage', token)).toBeNull();
  });

  it('the MAC is HMAC-SHA256 under an HKDF key for the purpose (checked with WebCrypto, not node:crypto)', async () => {
    clock = at('2026-03-01T10:00:00Z');
    const token = tokens.sign('manage', payload, expiresAt);
    const [body, mac] = token.split('.') as [string, string];
    const enc = new TextEncoder();
    const ikm = await crypto.subtle.importKey('raw', enc.encode(SECRET), 'HKDF', false, ['deriveKey']);
    const key = await crypto.subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: enc.encode('tempus signed token: manage') },
      ikm,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign'],
    );
    const full = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(body)));
    expect(Buffer.from(full.subarray(0, 16)).toString('base64url')).toBe(mac);
    expect(JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))).toEqual({ x: Math.floor(expiresAt.getTime() / 1000), d: payload });
  });

  it('a token for one purpose is refused for another, and under another secret', () => {
    clock = at('2026-03-01T10:00:00Z');
    const token = tokens.sign('manage', payload, expiresAt);
    expect(tokens.verify('offer', token)).toBeNull();
    expect(createSignedTokens('another-secret-0123456789', () => clock).verify('manage', token)).toBeNull();
  });

  it('any change to the body or the MAC is refused', () => {
    clock = at('2026-03-01T10:00:00Z');
    const token = tokens.sign('manage', payload, expiresAt);
    const [body, mac] = token.split('.') as [string, string];
    // A payload naming another appointment, re-encoded, with the old MAC.
    const forged = Buffer.from(JSON.stringify({ x: Math.floor(expiresAt.getTime() / 1000), d: { ...payload, a: 'zzzz' } })).toString('base64url');
    expect(tokens.verify('manage', `${forged}.${mac}`)).toBeNull();
    // A later expiry with the old MAC.
    const extended = Buffer.from(JSON.stringify({ x: 4_000_000_000, d: payload })).toString('base64url');
    expect(tokens.verify('manage', `${extended}.${mac}`)).toBeNull();
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    expect(tokens.verify('manage', `${flip(body, 3)}.${mac}`)).toBeNull();
    expect(tokens.verify('manage', `${body}.${flip(mac, 5)}`)).toBeNull();
    expect(tokens.verify('manage', `${body}.${mac.slice(0, -2)}`)).toBeNull();
    expect(tokens.verify('manage', `${body}.${mac}A`)).toBeNull();
  });

  it('malformed input is refused without throwing', () => {
    for (const bad of ['', '.', 'abc', 'a.b.c', '.abc', 'abc.', 'ab$.cd', 'x'.repeat(5000) + '.ab', '%2e.%2e']) {
      expect(tokens.verify('manage', bad)).toBeNull();
    }
  });
});
