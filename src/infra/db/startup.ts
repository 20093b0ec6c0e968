import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Database } from './client.ts';

/**
 * Waits for the database with capped exponential backoff and full jitter, so
 * a database that comes up after the API is not a crash loop.
 */
export async function waitForDatabase(database: Database, logger: Logger, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await database.ping();
      if (attempt > 1) logger.info({ attempt }, 'database reachable');
      return;
    } catch (err) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`database unreachable after ${timeoutSeconds}s: ${(err as Error).message}`);
      }
      const delay = Math.min(remaining, Math.random() * Math.min(5_000, 200 * 2 ** attempt));
      logger.warn({ attempt, err: (err as Error).message, retryInMs: Math.round(delay) }, 'database not reachable yet');
      await sleep(delay);
    }
  }
}
