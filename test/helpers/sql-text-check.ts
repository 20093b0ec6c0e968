import { SQL } from 'drizzle-orm';
import { literal, parametrisedText } from '../../src/infra/db/sql-text.ts';

/**
 * Test setup (vitest setupFiles): every statement drizzle compiles during
 * the suites — on the embedded target that is every statement the API sends,
 * through drizzle's own session — is also written by our one-walk compiler
 * (src/infra/db/sql-text.ts, what the API uses on PostgreSQL), and the two
 * must agree character for character, the values' literals included. A
 * difference fails the statement, and with it the test that sent it.
 */
type ToQuery = (this: SQL, config: { invokeSource?: string; inlineParams?: boolean }) => { sql: string; params: unknown[] };
const proto = SQL.prototype as unknown as { toQuery: ToQuery };
const drizzleToQuery = proto.toQuery;

proto.toQuery = function (this: SQL, config) {
  const query = drizzleToQuery.call(this, config);
  // Only the dialect's plain compilation is ours to mirror (not the migrator's index DDL, not a caller's inlineParams).
  if (config.invokeSource === undefined && !config.inlineParams) {
    const walked = parametrisedText(this);
    if (walked) {
      const args = query.params.map(literal);
      if (walked.text !== query.sql || walked.args.length !== args.length || walked.args.some((a, i) => a !== args[i])) {
        throw new Error(`sql-text.ts disagrees with drizzle:\n drizzle: ${query.sql}\n   ${args.join(', ')}\n ours:    ${walked.text}\n   ${walked.args.join(', ')}`);
      }
    }
  }
  return query;
};
