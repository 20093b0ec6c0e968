import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CacheUnavailableError, type InvalidationFeed } from './store.ts';

/** How the store tells the feed about its commands on the same connection (each fence waits for one sent after it). */
export interface CommandTrack {
  /** Before a command is handed to the client: its number. */
  sending(): number;
  /** Its answer (a reply or a Redis error reply) arrived; every push message ahead of it has been handled. */
  answered(n: number): void;
  /** No answer (timeout, connection lost, breaker open): fences waiting on it fail as a PING's would. */
  failed(n: number, err: Error): void;
}

/**
 * The cache's invalidations, received on the store's own RESP3 connection.
 *
 * Why this is exact (src/infra/cache/local-cache.ts relies on it): Redis runs
 * one command at a time and writes a connection's output in order. The
 * invalidation script PUBLISHes the key while it deletes the value, so once
 * any client has seen an invalidation complete, the message sits in our
 * connection's output ahead of the reply to any command we send afterwards.
 * The reply to any command sent after a lookup began (a PING, or any other
 * request's command) therefore arrives only after that message has been
 * handled (ioredis emits push messages as it parses them, and resolves
 * replies later, on the next tick). While the connection is
 * down, or before the SUBSCRIBE is confirmed, the feed is not live and every
 * copy is dropped (`onReset`): what was published meanwhile is unknown.
 */
export function invalidationFeed(
  client: Redis,
  channel: string,
  breakerClosed: () => boolean,
  log: Logger,
): InvalidationFeed & CommandTrack & { subscribing: Promise<void> } {
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

  // Fences wait for the answer to any command sent on this connection after
  // them, not for a PING of their own: under load another request's command
  // (a rate-limit script, a lookup) is nearly always on its way, and its
  // answer proves as much as a PING's. Commands are numbered as they are sent
  // (the store calls `sending` before it hands a command to ioredis, so a
  // number is never older than the write); a fence waits for any number above
  // the last one given out when it was called.
  let sent = 0;
  const waiting: { after: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  let checking = false;
  const answered = (n: number) => {
    while (waiting.length > 0 && waiting[0]!.after < n) waiting.shift()!.resolve();
  };
  const failed = (n: number, err: Error) => {
    while (waiting.length > 0 && waiting[0]!.after < n) {
      waiting.shift()!.reject(new CacheUnavailableError(`cache invalidation fence failed: ${err.message}`, { cause: err }));
    }
  };
  client.on('close', () => failed(Infinity, new Error('connection closed')));
  // From a setImmediate, after every fence and command of this turn: when
  // nothing was sent after the last fence, one PING answers them all
  // (ioredis' auto-pipelining writes it later still, never before one of them began).
  const check = () => {
    checking = false;
    const last = waiting[waiting.length - 1];
    if (!last || sent > last.after) return;
    const n = ++sent;
    client.ping().then(
      () => answered(n),
      (err: Error) => failed(n, err),
    );
  };
  return {
    /** Settles once the first SUBSCRIBE has been answered (start-up waits for it when Redis is there). */
    subscribing,
    live: () => live,
    sending: () => ++sent,
    answered,
    failed,
    fence() {
      if (!live || !breakerClosed()) return Promise.reject(new CacheUnavailableError('cache invalidation feed is not live'));
      return new Promise<void>((resolve, reject) => {
        waiting.push({ after: sent, resolve, reject });
        if (!checking) {
          checking = true;
          setImmediate(check);
        }
      });
    },
    onInvalidated: (listener) => void invalidated.push(listener),
    onReset: (listener) => void resets.push(listener),
  };
}
