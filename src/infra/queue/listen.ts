import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import { OUTBOX_CHANNEL } from './outbox.ts';

/**
 * LISTEN on the outbox channel. PostgreSQL: a dedicated client outside the
 * pool (a pooled connection would lose the LISTEN when returned), reconnected
 * with backoff; the relay's poll interval covers the gaps. It connects to
 * `databaseUrl` = DATABASE_DIRECT_URL: a LISTEN through PgBouncer in
 * transaction mode would register on whichever server connection ran it and
 * its notifications would go to whoever holds that connection next. PGlite: its own
 * listen(). `onNotify` gets the payload: '' for "something new", or the epoch
 * ms at which a rescheduled message falls due.
 */
export async function listenToOutbox(
  database: Database,
  databaseUrl: string | undefined,
  logger: Logger,
  onNotify: (payload: string) => void,
): Promise<() => Promise<void>> {
  if (database.pglite) {
    const unlisten = await database.pglite.listen(OUTBOX_CHANNEL, onNotify);
    return async () => {
      await unlisten().catch(() => undefined);
    };
  }
  if (!databaseUrl) throw new Error('LISTEN needs DATABASE_DIRECT_URL (or DATABASE_URL)');
  let stopped = false;
  let client: pg.Client | undefined;
  let connected: Promise<void> | undefined;

  const connect = async () => {
    for (let attempt = 1; !stopped; attempt++) {
      const c = new pg.Client({ connectionString: databaseUrl, application_name: 'tempus-outbox-listener' });
      try {
        c.on('notification', (msg) => onNotify(msg.payload ?? ''));
        c.on('error', (err) => logger.warn({ err: err.message }, 'outbox listener connection error'));
        await c.connect();
        await c.query(`LISTEN ${OUTBOX_CHANNEL}`);
        if (stopped) {
          await c.end().catch(() => undefined);
          return;
        }
        // Only a connection that got as far as LISTEN is replaced when it ends.
        c.on('end', () => {
          if (!stopped) {
            client = undefined;
            connected = connect();
          }
        });
        client = c;
        if (attempt > 1) logger.info('outbox listener reconnected');
        // Anything committed while we were away: look now.
        onNotify('');
        return;
      } catch (err) {
        await c.end().catch(() => undefined);
        if (attempt === 1 || attempt % 10 === 0) logger.warn({ err: (err as Error).message, attempt }, 'outbox listener cannot connect; polling meanwhile');
        await sleep(Math.min(10_000, 200 * 2 ** Math.min(attempt, 6)) * Math.random() + 100);
      }
    }
  };
  connected = connect();
  await Promise.race([connected, sleep(5_000, undefined, { ref: false })]);
  return async () => {
    stopped = true;
    await Promise.race([connected, sleep(1_000, undefined, { ref: false })]);
    const c = client;
    client = undefined;
    if (c) {
      c.removeAllListeners('end');
      await c.end().catch(() => undefined);
    }
  };
}
