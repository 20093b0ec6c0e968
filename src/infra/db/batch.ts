import { is, sql, type SQL } from 'drizzle-orm';
import { NodePgSession, NodePgTransaction } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Db, Executor, Tx } from './client.ts';
import type { RawResult } from './parsers.ts';
import { executePrepared, preparedReadsOn } from './prepared.ts';
import { inlinedText, literal, parametrisedText } from './sql-text.ts';

/**
 * Fewer round trips to PostgreSQL. Every statement drizzle runs on
 * node-postgres is its own round trip (extended protocol: one statement per
 * message). PostgreSQL's simple protocol takes several statements in one
 * message and, inside a transaction block, runs them one after another, each
 * with its own snapshot (READ COMMITTED) — exactly as if sent one by one, only
 * without the waits between them. It has no bind parameters, so the values are
 * inlined as quoted literals: a quoted literal is of type `unknown` and
 * resolved from its context just as an untyped bind parameter is, and
 * node-postgres' escapeLiteral (quotes and backslashes doubled) keeps a value
 * from ever being read as SQL.
 *
 * PGlite runs in this process: a round trip there costs a function call, so
 * the statements simply run one after another through drizzle.
 */

const dialect = new PgDialect();
// A quoted string, a quoted identifier or a line comment (copied as they are), or a placeholder `$n`.
const TOKENS = /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\$(\d+)/g;

/**
 * The type parsers drizzle gives node-postgres for its own queries (instants,
 * dates and intervals stay text, for parseRows and drizzle's mappers), so rows
 * read here look exactly like rows read through drizzle.
 */
const TEXT_TYPES = new Set([pg.types.builtins.TIMESTAMPTZ, pg.types.builtins.TIMESTAMP, pg.types.builtins.DATE, pg.types.builtins.INTERVAL, 1231, 1115, 1185, 1187, 1182]);
const drizzleTypes = {
  getTypeParser: (id: number, format?: string) => (TEXT_TYPES.has(id) ? (value: string) => value : pg.types.getTypeParser(id, format as 'text')),
};

/**
 * The statement's text with every bind value inlined as a literal. One walk
 * of the statement's chunks (sql-text.ts); drizzle's own walk, then each `$n`
 * replaced, for what only drizzle's walk builds.
 */
export function inlineSql(query: SQL): string {
  return inlinedText(query) ?? drizzleInlineSql(query);
}

/** drizzle's walk, then each `$n` outside quotes and comments replaced by its value's literal (what inlinedText writes in one walk). */
export function drizzleInlineSql(query: SQL): string {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return text.replace(TOKENS, (token, n: string | undefined) => (n === undefined ? token : literal(params[Number(n) - 1])));
}

/** The statement's parametrised text and its bind values as the literals inlineSql would write. */
function textAndLiterals(query: SQL): { text: string; args: string[] } {
  const walked = parametrisedText(query);
  if (walked) return walked;
  const { sql: text, params } = dialect.sqlToQuery(query);
  return { text, args: params.map(literal) };
}

/** The pooled node-postgres connection a transaction runs on; null on PGlite (or anything else). */
function pgClientOf(tx: Executor): pg.ClientBase | null {
  if (!is(tx, NodePgTransaction)) return null;
  const session = (tx as unknown as { session: unknown }).session;
  if (!is(session, NodePgSession)) return null;
  const client = (session as unknown as { client: unknown }).client;
  return client instanceof pg.Pool ? null : (client as pg.ClientBase);
}

/**
 * Runs `statements` in order inside the caller's transaction, in ONE round
 * trip on PostgreSQL; returns each statement's result. The first failure
 * fails the call (and aborts the transaction, as it would statement by
 * statement). Only for statements whose text the caller wrote: no `$n` or
 * semicolons of its own inside literals that are not bind values.
 */
export async function runBatch(tx: Tx, statements: SQL[]): Promise<RawResult[]> {
  const client = pgClientOf(tx);
  if (!client || statements.length < 2) {
    const results: RawResult[] = [];
    for (const statement of statements) results.push((await tx.execute(statement)) as unknown as RawResult);
    return results;
  }
  return resultsOf(await client.query({ text: statements.map(inlineSql).join(';\n'), types: drizzleTypes } as pg.QueryConfig));
}

const resultsOf = (result: unknown): RawResult[] => (Array.isArray(result) ? result : [result]) as RawResult[];

/**
 * A read of ONE statement with `prelude` (a statement without bind values,
 * e.g. the tenant's set_config(..., true)) before it, in one round trip on
 * PostgreSQL: the two form one simple-protocol message, which PostgreSQL runs
 * as one implicit transaction — the prelude's transaction-local settings hold
 * for the statement and end with it, as BEGIN … COMMIT around them would do,
 * and through PgBouncer in transaction mode the message is one transaction.
 * Null when `db` is not a node-postgres pool (PGlite): the caller runs its
 * ordinary transaction.
 */
export async function readWith(db: Db, prelude: string, statement: SQL): Promise<RawResult | null> {
  const pool = poolOf(db);
  if (!pool) return null;
  const last = (result: unknown) => resultsOf(result).at(-1)!;
  if (!preparedReadsOn(pool)) return last(await pool.query({ text: `${prelude};\n${inlineSql(statement)}`, types: drizzleTypes } as pg.QueryConfig));
  // A connection of its own (pool.query would pick any): the statements it holds are per connection (prepared.ts).
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    return await executePrepared(client, prelude, { ...textAndLiterals(statement), inlined: () => inlineSql(statement) }, async (message) => last(await client.query({ text: message, types: drizzleTypes } as pg.QueryConfig)));
  } catch (err) {
    failed = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    // As pool.query does: a connection whose query failed is discarded (with what it held).
    client.release(failed);
  }
}

function poolOf(db: Db): pg.Pool | null {
  const session = (db as unknown as { session?: unknown }).session;
  const client = is(session, NodePgSession) ? (session as unknown as { client: unknown }).client : null;
  return client instanceof pg.Pool ? client : null;
}

/**
 * `db.transaction(fn)` whose BEGIN carries `prelude` (a statement without
 * bind values, e.g. the tenant's set_config) in the same simple-protocol
 * message: one round trip where drizzle's transaction takes two. The
 * transaction `fn` gets is drizzle's own (savepoints, queries), on a
 * connection of the pool; COMMIT or ROLLBACK end it as drizzle's would. On
 * PGlite (and a database that is not a pool) it is drizzle's transaction with
 * the prelude as its first statement.
 */
export async function transactionWith<T>(db: Db, prelude: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const pool = poolOf(db);
  if (!pool) {
    return db.transaction(async (tx) => {
      await tx.execute(sql.raw(prelude));
      return fn(tx);
    });
  }
  const internals = (db as unknown as { session: unknown }).session as { dialect: PgDialect; schema: unknown; options: unknown };
  const client = await pool.connect();
  let broken: unknown;
  try {
    const txSession = new NodePgSession(client, internals.dialect, internals.schema as never, internals.options as never);
    const tx = new NodePgTransaction(internals.dialect, txSession, internals.schema as never) as unknown as Tx;
    try {
      // Inside the try: a BEGIN that went through with a failing prelude leaves an aborted transaction to roll back.
      await client.query(`begin; ${prelude}`);
      const result = await fn(tx);
      await client.query('commit');
      return result;
    } catch (err) {
      await client.query('rollback').catch((rollbackError: unknown) => (broken = rollbackError));
      throw err;
    }
  } finally {
    // A connection whose ROLLBACK failed is in an unknown state: the pool discards it.
    client.release(broken instanceof Error ? broken : undefined);
  }
}

/**
 * `statement` with `writes` (INSERT/UPDATE/DELETE statements without a WITH
 * of their own) run as data-modifying WITH queries of the same statement: one
 * statement where there were several. PostgreSQL runs every one of them to
 * completion, whatever `statement` reads; they share its snapshot, so they
 * must not depend on each other's rows (independent inserts, such as outbox
 * and audit rows, are the case this is for).
 */
export function withWrites(writes: readonly SQL[], statement: SQL): SQL {
  if (writes.length === 0) return statement;
  return sql`with ${sql.join(
    writes.map((write, i) => sql`${sql.raw(`w${i}`)} as (${write})`),
    sql`, `,
  )} ${statement}`;
}
