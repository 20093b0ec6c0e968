import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { leaseDue, markHandled, nextDueAt, type OutboxRow } from './outbox.ts';
import { createPump, type Pump, type StepResult } from './pump.ts';
import type { Runtime } from './runtime.ts';

export interface InlineTransport {
  pump: Pump;
  /** Messages being handled right now. */
  inFlight(): number;
  /** Stops taking messages and waits for the ones in flight (graceful drain). */
  close(): Promise<void>;
}

/**
 * Embedded mode's transport (no RABBITMQ_URL): the same relay loop, but
 * instead of publishing, each due row is leased and handed straight to the
 * runtime in this process — same handlers, same retry, dead-letter and
 * idempotency rules as the RabbitMQ consumers. A lease rather than a held row
 * lock keeps transactions short (PGlite has a single connection); if the
 * process dies mid-message the lease runs out and the row is due again.
 */
export function createInlineTransport(options: {
  db: Db;
  runtime: Runtime;
  logger: Logger;
  concurrency: number;
  batchSize: number;
  leaseMs: number;
  pollIntervalMs: number;
}): InlineTransport {
  const { db, runtime, logger, concurrency, batchSize, leaseMs, pollIntervalMs } = options;
  const inflight = new Set<Promise<void>>();

  async function handle(row: OutboxRow) {
    try {
      const outcome = await runtime.process({ ...row, attempt: row.attempts + 1 });
      if (outcome === 'done') await markHandled(db, row.id);
    } catch (err) {
      // The outcome could not be recorded (database trouble): the lease runs out and the row is due again.
      logger.warn({ messageId: row.id, err: (err as Error).message }, 'message outcome not recorded; it will be retried when its lease expires');
    }
  }

  const step = async (): Promise<StepResult> => {
    const free = concurrency - inflight.size;
    if (free <= 0) return 'busy';
    const rows = await leaseDue(db, Math.min(free, batchSize), leaseMs);
    for (const row of rows) {
      const p: Promise<void> = handle(row).finally(() => {
        inflight.delete(p);
        pump.wake();
      });
      inflight.add(p);
    }
    return rows.length > 0 && rows.length === free ? 'busy' : 'idle';
  };

  const pump = createPump({ name: 'inline-transport', logger, pollIntervalMs, step, nextDueAt: () => nextDueAt(db) });
  return {
    pump,
    inFlight: () => inflight.size,
    async close() {
      await pump.stop();
      await Promise.allSettled([...inflight]);
    },
  };
}
