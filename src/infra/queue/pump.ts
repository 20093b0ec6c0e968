import type { Logger } from 'pino';

/**
 * What one step of a pump reports:
 * - more: it moved a full batch; step again at once;
 * - idle: nothing (more) is due; sleep until the next due time, a wake-up or the poll interval;
 * - busy: cannot take work now (at capacity, broker away); sleep until woken or the poll interval.
 */
export type StepResult = 'more' | 'idle' | 'busy';

export interface Pump {
  start(): void;
  /** Wake now, or at `atMs` (epoch ms) if that is sooner than the planned wake-up. */
  wake(atMs?: number): void;
  /** Stops after the step in progress. */
  stop(): Promise<void>;
}

/**
 * The loop under the outbox relay and the in-process transport: steps while
 * there is work, sleeps until the next due row otherwise, wakes early on
 * LISTEN/NOTIFY or a finished handler, and backs off (with jitter) while its
 * step keeps failing, e.g. while the database is unreachable.
 */
export function createPump(options: {
  name: string;
  logger: Logger;
  pollIntervalMs: number;
  step: () => Promise<StepResult>;
  nextDueAt: () => Promise<Date | null>;
}): Pump {
  const { name, logger, pollIntervalMs, step, nextDueAt } = options;
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeAt = Infinity;
  let timer: NodeJS.Timeout | undefined;
  let resolveSleep: (() => void) | undefined;
  let pendingWake = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (pendingWake || !running) {
        pendingWake = false;
        resolve();
        return;
      }
      resolveSleep = resolve;
      wakeAt = Date.now() + ms;
      timer = setTimeout(finishSleep, ms);
    });

  function finishSleep() {
    clearTimeout(timer);
    timer = undefined;
    wakeAt = Infinity;
    const resolve = resolveSleep;
    resolveSleep = undefined;
    resolve?.();
  }

  async function run() {
    let failures = 0;
    while (running) {
      let result: StepResult;
      try {
        result = await step();
        if (failures > 0) logger.info({ pump: name }, 'recovered');
        failures = 0;
      } catch (err) {
        failures++;
        const delay = Math.round(Math.random() * Math.min(pollIntervalMs * 10, 250 * 2 ** Math.min(failures, 8)));
        if (failures === 1 || failures % 20 === 0) logger.warn({ pump: name, err: (err as Error).message, failures, retryInMs: delay }, 'step failed');
        await sleep(Math.max(delay, 50));
        continue;
      }
      if (result === 'more') continue;
      let wait = pollIntervalMs;
      if (result === 'idle') {
        const next = await nextDueAt().catch(() => null);
        // Rows due now that this step did not get are held by another relay for a moment: look again shortly.
        if (next) wait = Math.min(pollIntervalMs, Math.max(25, next.getTime() - Date.now()));
      }
      await sleep(wait);
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run().catch((err: Error) => logger.error({ pump: name, err: err.message }, 'pump crashed'));
    },
    wake(atMs) {
      if (!running) return;
      const now = Date.now();
      if (atMs === undefined || atMs <= now + 5) {
        if (resolveSleep) finishSleep();
        else pendingWake = true;
        return;
      }
      if (resolveSleep && atMs < wakeAt) {
        clearTimeout(timer);
        wakeAt = atMs;
        timer = setTimeout(finishSleep, atMs - now);
      }
    },
    async stop() {
      running = false;
      finishSleep();
      await loop;
    },
  };
}
