import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onServices, serviceUrls } from '../../../test/helpers/target.ts';
import { invalidationFeed } from './invalidation-feed.ts';

/**
 * The fence waits for the answer to any command sent on the connection after
 * it (the store numbers its commands), and sends a PING only when none was
 * sent by the end of the turn: the answer must still come after every
 * invalidation published before the fence was called.
 */
describe.runIf(onServices)('invalidation feed fence', () => {
  const channel = `${process.env.REDIS_KEY_PREFIX ?? ''}feed-test-${randomBytes(4).toString('hex')}:cache:invalidated`;
  let client: Redis;
  let publisher: Redis;
  let feed: ReturnType<typeof invalidationFeed>;
  let pings = 0;

  beforeAll(async () => {
    client = new Redis(serviceUrls().REDIS_URL!, { protocol: 3, enableAutoPipelining: true, autoResubscribe: false });
    publisher = new Redis(serviceUrls().REDIS_URL!);
    const ping = client.ping.bind(client);
    client.ping = ((...args: never[]) => {
      pings++;
      return ping(...args);
    }) as typeof client.ping;
    feed = invalidationFeed(client, channel, () => true, pino({ level: 'silent' }));
    await feed.subscribing;
  });
  afterAll(async () => {
    await client.quit();
    await publisher.quit();
  });

  /** What the store does for each command. */
  const command = async (run: () => Promise<unknown>) => {
    const n = feed.sending();
    await run();
    feed.answered(n);
  };

  it('is answered by a command sent after it, without a PING of its own', async () => {
    const seen: string[] = [];
    feed.onInvalidated((key) => seen.push(key));
    await publisher.publish(channel, 'k1');
    pings = 0;
    const fence = feed.fence();
    await Promise.all([fence.then(() => expect(seen).toContain('k1')), command(() => client.get('nothing'))]);
    expect(pings).toBe(0);
  });

  it('is not answered by a command sent before it: one PING for every fence of the turn', async () => {
    const seen: string[] = [];
    feed.onInvalidated((key) => seen.push(key));
    pings = 0;
    const earlier = command(() => client.get('nothing'));
    await publisher.publish(channel, 'k2');
    const fences = [feed.fence(), feed.fence(), feed.fence()];
    await earlier;
    await Promise.all(fences);
    expect(seen).toContain('k2');
    expect(pings).toBe(1);
  });

  it('fails the fences waiting on a command that gets no answer', async () => {
    const fence = feed.fence();
    const n = feed.sending();
    feed.failed(n, new Error('timed out'));
    await expect(fence).rejects.toThrow(/fence failed: timed out/);
  });
});
