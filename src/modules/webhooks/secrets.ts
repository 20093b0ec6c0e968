import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Webhook signing secrets. A secret has to stay usable for signing, so it
 * cannot be stored as a hash; it is sealed instead (AES-256-GCM under a key
 * derived from SERVER_SECRET with HKDF), so a copy of the database alone does
 * not let anyone forge Tempus' signatures. Changing SERVER_SECRET therefore
 * makes existing secrets unreadable: rotate every endpoint's secret after it
 * (docs/security.md).
 */

const SEAL_VERSION = 'v1';

export interface SecretBox {
  seal(secret: string): string;
  open(sealed: string): string;
}

export function createSecretBox(serverSecret: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', serverSecret, Buffer.alloc(0), 'tempus webhook signing secrets', 32));
  return {
    seal(secret) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return `${SEAL_VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    open(sealed) {
      const [version, data] = sealed.split('.', 2);
      if (version !== SEAL_VERSION || !data) throw new Error('unknown sealed secret format');
      const raw = Buffer.from(data, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

/** `whsec_` + base64 of 32 random bytes: the Standard Webhooks secret format. */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The `webhook-signature` header: one `v1,<base64 HMAC-SHA256>` per secret,
 * space separated, as the specification allows while a secret is rotated (a
 * receiver holding either secret verifies the message).
 */
export function signatureHeader(secrets: string[], messageId: string, at: Date, body: string): string {
  return secrets.map((secret) => new Webhook(secret).sign(messageId, at, body)).join(' ');
}
