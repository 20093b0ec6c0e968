/**
 * Delay before retry number `attempt` (1 = the first retry): a uniformly random
 * time in [0, min(cap, base * 2^(attempt-1))] — exponential backoff with full
 * jitter, so a burst of failures does not come back as a burst of retries.
 */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 40)));
  return Math.floor(random() * ceiling);
}
