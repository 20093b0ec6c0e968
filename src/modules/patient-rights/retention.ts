import type { Config } from '../../config.ts';
import type { Db } from '../../infra/db/client.ts';
import { blankOldPayloads } from '../../infra/queue/dead-letters.ts';
import type { TaskDefinition } from '../../infra/queue/tasks.ts';
import { purgeAccessEvents } from '../access-log/access-log.repo.ts';
import { purgeExpiredHolds } from '../holds/holds.repo.ts';
import { deleteStaleInvitations } from '../members/invitations.repo.ts';
import { JOB_QUEUES } from '../notifications/jobs.ts';

export const RETENTION_TASK = 'retention.cleanup';

const DAY_MS = 86_400_000;
/** Rows per statement: short transactions and locks, whatever the backlog. */
export const RETENTION_BATCH = 5_000;
/** Batches per kind per run; a larger backlog continues on the next run (hourly). */
const MAX_BATCHES = 20;
/**
 * Unaccepted invitations go this long after they expired or were revoked, so
 * an invitee with a late link hears "expired" (410) rather than "not found"
 * for a month; they hold only an email address.
 */
export const INVITATION_GRACE_DAYS = 30;

/** One kind of data past its time: `purge` removes at most `limit` rows older than `before` and says how many. */
type RetentionEnv = Pick<Config['env'], 'ACCESS_LOG_RETENTION_DAYS' | 'DELIVERY_BODY_RETENTION_DAYS'>;

interface RetentionRule {
  kind: string;
  before(now: Date, env: RetentionEnv): Date;
  purge(db: Db, before: Date, limit: number): Promise<number>;
}

/**
 * What no rule requires beyond its time (docs/privacy.md, "Retention").
 * Published outbox rows have their own task (outbox.cleanup,
 * OUTBOX_RETENTION_DAYS).
 */
export const retentionRules: RetentionRule[] = [
  {
    kind: 'access_events',
    before: (now, env) => new Date(now.getTime() - env.ACCESS_LOG_RETENTION_DAYS * DAY_MS),
    purge: purgeAccessEvents,
  },
  {
    kind: 'delivery_bodies',
    before: (now, env) => new Date(now.getTime() - env.DELIVERY_BODY_RETENTION_DAYS * DAY_MS),
    purge: (db, before, limit) => blankOldPayloads(db, Object.values(JOB_QUEUES), before, limit),
  },
  {
    kind: 'invitations',
    before: (now) => new Date(now.getTime() - INVITATION_GRACE_DAYS * DAY_MS),
    purge: deleteStaleInvitations,
  },
  {
    // Expired holds at once: they take no slot and hold a visitor's contact (the writers in their way delete them too).
    kind: 'expired_holds',
    before: (now) => now,
    purge: purgeExpiredHolds,
  },
];

/** Runs every rule in bounded batches; returns the rows removed by kind. */
export async function runRetention(
  db: Db,
  env: RetentionEnv,
  now: Date = new Date(),
  batch = RETENTION_BATCH,
): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  for (const rule of retentionRules) {
    const before = rule.before(now, env);
    let total = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const n = await rule.purge(db, before, batch);
      total += n;
      if (n < batch) break;
    }
    removed[rule.kind] = total;
  }
  return removed;
}

/** Hourly, through the scheduler every worker runs (one run per period across workers). */
export const retentionTask: TaskDefinition = {
  type: RETENTION_TASK,
  schedule: { everyMs: 3_600_000 },
  async run(_payload, { db, config, logger, metrics }) {
    const removed = await runRetention(db, config.env);
    for (const [kind, n] of Object.entries(removed)) if (n) metrics?.retentionRemoved.inc({ kind }, n);
    if (Object.values(removed).some((n) => n > 0)) logger.info({ removed }, 'retention: rows past their time removed');
  },
};
