import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { rawRows, type Db } from '../db/client.ts';
import { enqueue } from './outbox.ts';
import type { TaskDefinition } from './tasks.ts';

export interface Scheduler {
  /** One pass over every scheduled task (exposed for tests). */
  tick(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Scheduled tasks: every SCHEDULER_INTERVAL_MS each worker looks for tasks
 * whose period is due. Claiming a period is one conditional UPDATE on
 * scheduled_tasks, committed together with the `tasks` message it enqueues,
 * so with any number of workers a period runs exactly once, and the run
 * itself gets the queue's retries and dead-lettering.
 */
export function createScheduler(options: { db: Db; logger: Logger; tasks: TaskDefinition[]; intervalMs: number; start?: boolean }): Scheduler {
  const { db, logger, intervalMs } = options;
  const scheduled = options.tasks.filter((t) => t.schedule);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let running: Promise<unknown> = Promise.resolve();

  async function tick(): Promise<string[]> {
    const enqueued: string[] = [];
    for (const task of scheduled) {
      const everyMs = task.schedule!.everyMs;
      const claimed = await db.transaction(async (tx) => {
        await tx.execute(sql`insert into scheduled_tasks (name, next_run_at) values (${task.type}, now()) on conflict (name) do nothing`);
        const won = await rawRows<{ name: string }>(
          tx,
          sql`update scheduled_tasks
                 set next_run_at = now() + make_interval(secs => ${everyMs / 1000}::double precision),
                     last_run_at = now(), updated_at = now()
               where name = ${task.type} and next_run_at <= now()
              returning name`,
        );
        if (won.length === 0) return false;
        await enqueue(tx, { hospitalId: null, queue: 'tasks', type: task.type, payload: { ...(task.schedule!.payload ?? {}), scheduledAt: new Date().toISOString() } });
        return true;
      });
      if (claimed) enqueued.push(task.type);
    }
    if (enqueued.length) logger.debug({ tasks: enqueued }, 'scheduled tasks enqueued');
    return enqueued;
  }

  const loop = () => {
    if (closed) return;
    running = tick()
      .catch((err: Error) => logger.warn({ err: err.message }, 'scheduler tick failed'))
      .finally(() => {
        if (!closed) timer = setTimeout(loop, intervalMs);
      });
  };
  if (scheduled.length && options.start !== false) loop();

  return {
    tick,
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}
