import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { CheckResult } from '../observability/health.ts';
import { PermanentError, TransientError } from '../queue/errors.ts';

export interface OutgoingSms {
  to: string;
  body: string;
  /** Our message id; sent as Idempotency-Key for providers that honour one. */
  messageId: string;
}

export interface SmsSender {
  readonly kind: 'http' | 'log';
  /** Hands the SMS over. Throws TransientError or PermanentError. */
  send(sms: OutgoingSms): Promise<{ providerMessageId: string }>;
  check(): Promise<CheckResult>;
}

/** SMS_ACCOUNT_SID set: the provider's HTTP API (Twilio Messages shape). Unset: the log. */
export function createSmsSender(config: Config, logger: Logger): SmsSender {
  const { env } = config;
  if (!env.SMS_ACCOUNT_SID) {
    return {
      kind: 'log',
      async send(sms) {
        // The number and text (personal data) only at debug, never at the production level.
        logger.info({ messageId: sms.messageId }, 'SMS not sent: SMS_ACCOUNT_SID is unset (its text is logged at debug)');
        logger.debug({ to: sms.to, body: sms.body, messageId: sms.messageId }, 'SMS text (not sent)');
        return { providerMessageId: `log-${sms.messageId}` };
      },
      check: async () => ({ status: 'up', mode: 'log' }),
    };
  }
  const sid = env.SMS_ACCOUNT_SID;
  const endpoint = `${env.SMS_PROVIDER_URL}/2010-04-01/Accounts/${encodeURIComponent(sid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${sid}:${env.SMS_AUTH_TOKEN ?? ''}`).toString('base64')}`;
  const from = env.SMS_FROM ?? '';
  const timeoutMs = env.SMS_TIMEOUT_MS;
  return {
    kind: 'http',
    async send(sms) {
      let res: Response;
      try {
        res = await fetch(endpoint, {
          method: 'POST',
          headers: {
            authorization,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
            'idempotency-key': sms.messageId,
          },
          body: new URLSearchParams({ To: sms.to, From: from, Body: sms.body }).toString(),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new TransientError(`SMS provider unreachable: ${(err as Error).message}`, { cause: err });
      }
      const text = await res.text().catch(() => '');
      if (res.ok) {
        const sidOf = safeJson(text)?.sid;
        return { providerMessageId: typeof sidOf === 'string' ? sidOf : `http-${res.status}` };
      }
      const detail = `SMS provider ${res.status}: ${providerMessage(text)}`;
      // 429 and 5xx are the provider's momentary trouble; any other 4xx is about this request and will not change.
      if (res.status === 429 || res.status >= 500) throw new TransientError(detail);
      throw new PermanentError(detail);
    },
    async check() {
      return { status: 'up', mode: 'http', endpoint: env.SMS_PROVIDER_URL };
    },
  };
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Twilio errors look like {code, message, more_info, status}; keep the sentence, bounded. */
function providerMessage(text: string): string {
  const json = safeJson(text);
  const message = json && typeof json.message === 'string' ? json.message : text;
  return (message || 'no body').slice(0, 300);
}
