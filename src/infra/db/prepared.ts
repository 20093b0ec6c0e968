import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * A read kept as a prepared statement on each connection, still in ONE
 * simple-protocol message with its prelude (readWith). Sent inlined, a
 * statement is parsed, analysed and planned on every request — for
 * availability's eight correlated subqueries under row-level security the
 * planning cost about as much as running it (docs/performance.md). The
 * first time a connection sees a statement the message is
 * `<prelude>; PREPARE s_<hash> AS <text with $n>; EXECUTE s_<hash>(<literals>)`,
 * afterwards `<prelude>; EXECUTE s_<hash>(<literals>)`.
 *
 * Why the results are those of the inlined statement: a parameter left
 * untyped in PREPARE gets its type from its context exactly as an `unknown`
 * literal does, and EXECUTE's arguments are the very literals inlineSql
 * writes, coerced to those types. Why the tenant wall holds: the policies
 * read current_setting at execution, not at planning, and PostgreSQL
 * re-plans a cached plan that depends on row-level security when the role
 * differs (the prelude sets it on every message).
 *
 * PREPARE and DEALLOCATE are not transactional: a message that fails after
 * them leaves them done. What this module believes a connection holds is
 * corrected by PostgreSQL's own answers: 26000 (does not exist — DISCARD ALL,
 * a pooler that switched the server connection) forgets everything believed
 * of the connection and prepares again; 42P05 (already exists) remembers it
 * and executes; wrong again (a transaction-mode pooler hands each message
 * another server connection), the inlined statement answers. A message
 * failing otherwise forgets the statement (it may or may not have been
 * prepared; 42P05 settles it next time).
 */

/** Statements kept per connection; the least recently used is deallocated (in the same message) past this. */
export const MAX_PREPARED_PER_CONNECTION = 16;

/** Per connection, the statement names it holds, least recently used first (a Map keeps insertion order). */
const held = new WeakMap<pg.ClientBase, Map<string, true>>();

/** Pools whose connections keep prepared reads (createDatabase, per DB_PREPARED_READS). */
const enabled = new WeakSet<pg.Pool>();

export function enablePreparedReads(pool: pg.Pool): void {
  enabled.add(pool);
}

export const preparedReadsOn = (pool: pg.Pool): boolean => enabled.has(pool);

/** The statement's name: a hash of its parametrised text (the same text always plans to the same thing). */
export const statementName = (text: string): string => `s_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;

/** The names `client` is believed to hold (tests). */
export const heldBy = (client: pg.ClientBase): string[] => [...(held.get(client)?.keys() ?? [])];

const codeOf = (err: unknown): unknown => (err as { code?: unknown } | null)?.code;

/**
 * Runs `prelude` then the statement `text` (with `$n` placeholders) with
 * `args` (SQL literals, one per placeholder) on `client`, in one message;
 * one more on a stale belief about the connection, and if that is stale
 * too, `inlined` (the statement with its values in it) as readWith sent it
 * before. `send` runs a simple-protocol message and returns its last result.
 */
export async function executePrepared<R>(
  client: pg.ClientBase,
  prelude: string,
  statement: { text: string; args: string[]; inlined: () => string },
  send: (message: string) => Promise<R>,
): Promise<R> {
  const { text, args } = statement;
  const name = statementName(text);
  let names = held.get(client);
  if (!names) held.set(client, (names = new Map()));
  const execute = `EXECUTE ${name}${args.length ? `(${args.join(', ')})` : ''}`;
  let prepare = !names.has(name);
  for (let attempt = 0; ; attempt++) {
    let message = `${prelude};\n${execute}`;
    if (prepare) {
      const evict = names.size >= MAX_PREPARED_PER_CONNECTION ? names.keys().next().value : undefined;
      // Forgotten before sending: DEALLOCATE is done even if a later statement of the message fails.
      if (evict !== undefined) names.delete(evict);
      message = `${evict === undefined ? '' : `DEALLOCATE ${evict};\n`}${prelude};\nPREPARE ${name} AS ${text};\n${execute}`;
    }
    try {
      const result = await send(message);
      names.delete(name);
      names.set(name, true);
      return result;
    } catch (err) {
      names.delete(name);
      const code = codeOf(err);
      const stale = code === '26000' || code === '42P05';
      // Wrong twice: the server connection changes under us (a transaction-mode pooler); the inlined statement always answers.
      if (stale && attempt > 0) return send(`${prelude};\n${statement.inlined()}`);
      if (attempt > 0) throw err;
      if (code === '26000') {
        names.clear();
        prepare = true;
      } else if (code === '42P05') {
        prepare = false;
      } else {
        throw err;
      }
    }
  }
}
