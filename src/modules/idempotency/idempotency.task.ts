import type { TaskDefinition } from '../../infra/queue/registry.ts';
import { purgeExpiredIdempotencyKeys } from './idempotency.ts';

/**
 * Hourly: deletes Idempotency-Key records past IDEMPOTENCY_TTL_HOURS. Only
 * housekeeping — an expired record is already treated as unused when a
 * request arrives — so a missed run changes nothing but table size.
 */
export const idempotencyPurgeTask: TaskDefinition = {
  type: 'idempotency.purge',
  schedule: { everyMs: 3_600_000 },
  async run(_payload, { db, config, logger }) {
    const deleted = await purgeExpiredIdempotencyKeys(db, config.env.IDEMPOTENCY_TTL_HOURS * 3_600_000);
    if (deleted) logger.info({ deleted }, 'expired idempotency keys deleted');
  },
};
