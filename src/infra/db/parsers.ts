/**
 * One reading of raw result rows for both drivers. Drizzle runs every query
 * with its own per-query type parsers, which win over anything set on the
 * driver (pg's query-level `types` beat the Pool's `types` option; PGlite
 * merges a query's `parsers` over the instance's): `timestamptz` comes back as
 * text from pg and PGlite alike. Its typed selects map columns themselves;
 * raw `execute` results do not. So raw rows are parsed here, by the column
 * type each driver reports (`fields[].dataTypeID`): instants become Dates and
 * JSON becomes values, whichever driver ran the query.
 */

const TIMESTAMPTZ = 1184;
const JSON_OID = 114;
const JSONB = 3802;

const parsers: Record<number, (value: unknown) => unknown> = {
  [TIMESTAMPTZ]: (value) => (value instanceof Date ? value : new Date(value as string)),
  [JSON_OID]: (value) => (typeof value === 'string' ? JSON.parse(value) : value),
  [JSONB]: (value) => (typeof value === 'string' ? JSON.parse(value) : value),
};

export interface RawResult {
  rows: Record<string, unknown>[];
  fields?: readonly { name: string; dataTypeID: number }[];
}

/** The rows with every timestamptz column as a Date and every json/jsonb column parsed (null stays null). */
export function parseRows<T>(result: RawResult): T[] {
  const columns = (result.fields ?? []).flatMap((f) => (parsers[f.dataTypeID] ? [{ name: f.name, parse: parsers[f.dataTypeID]! }] : []));
  if (columns.length > 0) {
    for (const row of result.rows) {
      for (const { name, parse } of columns) {
        const value = row[name];
        if (value !== null && value !== undefined) row[name] = parse(value);
      }
    }
  }
  return result.rows as T[];
}
