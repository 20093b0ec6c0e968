// The otp module owns one-time codes: issuing, verifying and rate-limiting them in the shared store.
import { createHmac, randomInt, randomUUID } from 'node:crypto';
import type { Config } from '../../config.ts';
import { CacheUnavailableError, type CacheStore } from '../../infra/cache/store.ts';
import { DomainError } from '../../shared/errors.ts';
import { issueScript, otpKeys, verifyScript } from './otp.scripts.ts';

/** What a code authorises; one live code per hospital and purpose. */
export type OtpPurpose = 'hospital.update' | 'booking.confirm';

export interface OtpSettings {
  ttlSeconds: number;
  maxAttempts: number;
  requestMax: number;
  requestWindowSeconds: number;
  requestIntervalSeconds: number;
}

export interface OtpServiceDeps {
  store: CacheStore;
  /** HMAC key (SERVER_SECRET, or the embedded data dir's own). */
  secret: string;
  settings: OtpSettings;
}

export const otpSettingsFrom = (config: Config): OtpSettings => ({
  ttlSeconds: config.env.OTP_TTL_SECONDS,
  maxAttempts: config.env.OTP_MAX_ATTEMPTS,
  requestMax: config.env.OTP_REQUEST_MAX,
  requestWindowSeconds: config.env.OTP_REQUEST_WINDOW_SECONDS,
  requestIntervalSeconds: config.env.OTP_REQUEST_INTERVAL_SECONDS,
});

/** The store is unreachable: OTP fails closed, never open. */
const unavailable = (err: unknown): never => {
  if (err instanceof CacheUnavailableError) {
    throw new DomainError('SERVICE_UNAVAILABLE', 'One-time codes cannot be issued or checked right now; try again shortly');
  }
  throw err;
};

/**
 * One-time codes (SPEC section 5): six digits from a CSPRNG, stored only as an
 * HMAC bound to the hospital and purpose, valid OTP_TTL_SECONDS, burnt after
 * OTP_MAX_ATTEMPTS wrong guesses, single use, verified atomically in the store.
 * The code leaves this service only towards the email (outbox), never to a log
 * or an HTTP response.
 */
export function createOtpService({ store, secret, settings }: OtpServiceDeps) {
  const hash = (hospitalId: string, purpose: OtpPurpose, code: string, subject?: string) =>
    createHmac('sha256', secret).update(`otp:v1:${hospitalId}:${purpose}${subject ? `:${subject}` : ''}:${code}`).digest('hex');

  return {
    settings,

    /** A new code replacing any earlier one; RATE_LIMITED (with retryAfterSeconds) past the request limits. */
    async issue(hospitalId: string, purpose: OtpPurpose, subject?: string): Promise<{ code: string; expiresInSeconds: number }> {
      const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
      const keys = otpKeys(hospitalId, purpose, subject);
      const result = await store
        .run(issueScript, [keys.code, keys.cooldown, keys.requests], [
          hash(hospitalId, purpose, code, subject),
          settings.ttlSeconds * 1000,
          settings.maxAttempts,
          settings.requestIntervalSeconds * 1000,
          settings.requestWindowSeconds * 1000,
          settings.requestMax,
          randomUUID(),
        ])
        .catch(unavailable);
      if (!result.issued) {
        const retryAfterSeconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
        throw new DomainError('RATE_LIMITED', `Too many one-time code requests; try again in ${retryAfterSeconds} s`, {
          retryAfterSeconds,
        });
      }
      return { code, expiresInSeconds: settings.ttlSeconds };
    },

    /** Resolves when the code is right (and consumes it); throws the matching OTP_* error otherwise. */
    async verify(hospitalId: string, purpose: OtpPurpose, code: string, subject?: string): Promise<void> {
      const keys = otpKeys(hospitalId, purpose, subject);
      const result = await store.run(verifyScript, [keys.code], [hash(hospitalId, purpose, code, subject)]).catch(unavailable);
      switch (result.status) {
        case 'ok':
          return;
        case 'invalid':
          throw new DomainError(
            'OTP_INVALID',
            result.attemptsLeft > 0
              ? `The one-time code is wrong; ${result.attemptsLeft} attempt(s) left`
              : 'The one-time code is wrong and is now void; request a new one',
            { attemptsLeft: result.attemptsLeft },
          );
        case 'burnt':
          throw new DomainError('OTP_ATTEMPTS_EXCEEDED', 'Too many wrong attempts: this one-time code is void; request a new one');
        case 'expired':
          throw new DomainError('OTP_EXPIRED', 'No valid one-time code: it expired, was already used, or none was requested; request a new one');
      }
    },

    /** Withdraws the live code (e.g. its email could not be queued). Best effort. */
    async revoke(hospitalId: string, purpose: OtpPurpose, subject?: string): Promise<void> {
      await store.del([otpKeys(hospitalId, purpose, subject).code]).catch(() => undefined);
    },
  };
}

export type OtpService = ReturnType<typeof createOtpService>;
