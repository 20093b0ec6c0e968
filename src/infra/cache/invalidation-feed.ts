import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CacheUnavailableError, type InvalidationFeed } from './store.ts';

/**
 * The cache's invalidations, received on the store's own RESP3 connection.
 *
 * Why this is exact (src/infra/cache/local-cache.ts relies on it): Redis runs
 * one command at a time and writes a connection's output in order. The
 * invalidation script PUBLISHes the key while it deletes the value, so once
 * any client has seen an invalidation complete, the message sits in our
 * connection's output ahead of the reply to any command we send afterwards.
 * A PING sent after a lookup began therefore answers only after that
 * message has been handled (ioredis emits push messages as it parses them,
 * and resolves replies later, on the next tick). While the connection is
 * down, or before the SUBSCRIBE is confirmed, the feed is not live and every
 * copy is dropped (`onReset`): what was published meanwhile is unknown.
 */
export function invalidationFeed(
  client: Redis,
  channel: string,
  breakerClosed: () => boolean,
  log: Logger,
): InvalidationFeed & { subscribing: Promise<void> } {
  let live = false;
  let settleFirst: () => void = () => {};
  const subscribing = new Promise<void>((resolve) => (settleFirst = resolve));
  const invalidated: ((key: string) => void)[] = [];
  const resets: (() => void)[] = [];
  const reset = () => {
    for (const listener of resets) listener();
  };

  client.on('message', (from: string, key: string) => {
    if (from !== channel) return;
    for (const listener of invalidated) listener(key);
  });
  const subscribe = () => {
    client.subscribe(channel).then(
      () => {
        live = true;
        reset();
        settleFirst();
      },
      (err: Error) => {
        log.warn({ err: err.message }, 'cache invalidation feed: SUBSCRIBE failed; in-process copies stay off until the next reconnect');
        settleFirst();
      },
    );
  };
  client.on('ready', subscribe);
  client.on('close', () => {
    live = false;
    reset();
  });
  if (client.status === 'ready') subscribe();

  let shared: Promise<void> | null = null;
  return {
    /** Settles once the first SUBSCRIBE has been answered (start-up waits for it when Redis is there). */
    subscribing,
    live: () => live,
    fence() {
      if (!live || !breakerClosed()) return Promise.reject(new CacheUnavailableError('cache invalidation feed is not live'));
      // Every call of this turn shares one PING, sent from a setImmediate: it
      // is written after the last of them (ioredis' auto-pipelining flushes it
      // later still), never before one of them began.
      shared ??= new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          shared = null;
          client.ping().then(
            () => resolve(),
            (err: Error) => reject(new CacheUnavailableError(`cache invalidation fence failed: ${err.message}`, { cause: err })),
          );
        });
      });
      return shared;
    },
    onInvalidated: (listener) => void invalidated.push(listener),
    onReset: (listener) => void resets.push(listener),
  };
}
