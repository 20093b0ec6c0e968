/**
 * How a handler tells the runtime what a failure means. The runtime, not the
 * handler, decides what happens next (src/infra/queue/runtime.ts):
 *
 * - TransientError: worth another try (SMTP 4xx, timeouts, provider 5xx/429);
 *   retried with exponential backoff and full jitter up to DELIVERY_MAX_ATTEMPTS,
 *   then dead-lettered.
 * - PermanentError: the same message would fail the same way (SMTP 5xx,
 *   provider 4xx, a payload that breaks its contract): dead at once.
 * - DeferError: not a failure; the message may not be handled before `until`
 *   (per-recipient email limit, another worker holds it). Rescheduled without
 *   spending an attempt.
 *
 * Anything else a handler throws is treated as transient: a bug that goes
 * away with a deploy should not have dropped the message.
 */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

export class DeferError extends Error {
  constructor(
    readonly until: Date,
    message: string,
  ) {
    super(message);
    this.name = 'DeferError';
  }
}

/** One line for logs and `last_error` columns: no stack, bounded length. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
}
