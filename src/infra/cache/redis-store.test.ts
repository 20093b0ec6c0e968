import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { onServices, serviceUrls } from '../../../test/helpers/target.ts';
import { createRedisStore } from './redis-store.ts';
import type { AtomicScript, CacheStore } from './store.ts';

/**
 * A fresh process's first script call in the same tick as other commands: ioredis
 * had an auto-pipeline pending from the GET, without the script just defined,
 * and its callback threw outside any promise (the API process exited under its
 * first concurrent load). Every call must simply answer.
 */
describe.runIf(onServices)('Redis store, first script call of a process', () => {
  let store: CacheStore | undefined;
  afterAll(() => store?.close());

  it('answers a script defined while an auto-pipeline is pending', async () => {
    store = await createRedisStore({
      url: serviceUrls().REDIS_URL!,
      prefix: `${process.env.REDIS_KEY_PREFIX ?? ''}first-script-${Date.now()}:`,
      commandTimeoutMs: 1_000,
      connectTimeoutMs: 2_000,
      reconnectMaxDelayMs: 100,
      retryAttempts: 0,
      breakerThreshold: 5,
      halfOpenAfterMs: 1_000,
      logger: pino({ level: 'silent' }),
    });
    const script: AtomicScript<number> = { name: 'firstCallIncr', lua: "return redis.call('INCR', KEYS[1])", memory: (kv, keys) => kv.incrBy(keys[0]!, 1), idempotent: false, decode: Number };
    const s = store;
    const answers = await Promise.all([s.get('a'), s.run(script, ['n'], []), s.get('b'), s.run(script, ['n'], []), s.run(script, ['n'], [])]);
    expect(answers).toEqual([null, 1, null, 2, 3]);
  });
});
