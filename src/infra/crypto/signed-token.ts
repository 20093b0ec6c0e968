import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Stateless signed tokens: `<base64url(JSON {x: expiry seconds, d: payload})>.<base64url(MAC)>`.
 * The MAC is HMAC-SHA256 under a key derived (HKDF) from the server secret
 * for one purpose, so a token signed for one purpose never verifies for
 * another, and checking one needs no storage. The MAC is cut to 128 bits
 * (RFC 2104 allows truncation to half the output) so links stay short enough
 * for an SMS. A token cannot be revoked: callers that need a token to die
 * early check the state it refers to on every use.
 */

const MAC_BYTES = 16;
/** Longer input is refused before any work: tokens are small and come from URLs. */
const MAX_TOKEN_LENGTH = 2048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export type TokenPayload = Record<string, unknown>;

export interface SignedTokens {
  sign(purpose: string, payload: TokenPayload, expiresAt: Date): string;
  /** The payload, or null for anything not signed by us for this purpose and not yet expired (callers answer one "not found"). */
  verify<T extends TokenPayload = TokenPayload>(purpose: string, token: string): T | null;
}

export function createSignedTokens(serverSecret: string, now: () => Date = () => new Date()): SignedTokens {
  const keys = new Map<string, Buffer>();
  const keyFor = (purpose: string) => {
    let key = keys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', serverSecret, Buffer.alloc(0), `tempus signed token: ${purpose}`, 32));
      keys.set(purpose, key);
    }
    return key;
  };
  const macOf = (purpose: string, body: string) => createHmac('sha256', keyFor(purpose)).update(body, 'utf8').digest().subarray(0, MAC_BYTES);

  return {
    sign(purpose, payload, expiresAt) {
      const expiry = Math.floor(expiresAt.getTime() / 1000);
      if (!Number.isFinite(expiry)) throw new Error('signed token: invalid expiry');
      const body = Buffer.from(JSON.stringify({ x: expiry, d: payload }), 'utf8').toString('base64url');
      return `${body}.${macOf(purpose, body).toString('base64url')}`;
    },

    verify<T extends TokenPayload>(purpose: string, token: string): T | null {
      if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
      const dot = token.indexOf('.');
      if (dot <= 0 || dot !== token.lastIndexOf('.')) return null;
      const body = token.slice(0, dot);
      const mac = token.slice(dot + 1);
      if (!BASE64URL.test(body) || !BASE64URL.test(mac)) return null;
      const given = Buffer.from(mac, 'base64url');
      const expected = macOf(purpose, body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        return null;
      }
      if (!parsed || typeof parsed !== 'object') return null;
      const { x, d } = parsed as { x?: unknown; d?: unknown };
      if (typeof x !== 'number' || !d || typeof d !== 'object' || Array.isArray(d)) return null;
      if (x * 1000 <= now().getTime()) return null;
      return d as T;
    },
  };
}
