import { Column, Name, Param, Placeholder, SQL, StringChunk, Subquery, Table, View, ViewBaseConfig, isSQLWrapper } from 'drizzle-orm';
import { isPgEnum, PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';

/**
 * The text of a drizzle `SQL` statement for PostgreSQL, written in one walk
 * of its chunks: with every bind value inlined as a literal (`literals`
 * unset), or with `$n` placeholders and the values' literals collected in
 * order. It is PgDialect.sqlToQuery's own walk (sql/sql.js,
 * `buildQueryFromSourceParams`, drizzle-orm 0.45), branch for branch in the
 * same order, minus what made that walk the largest cost of a booking in the
 * API's profile: an `is()` prototype walk per chunk and branch, a result
 * object and a params array per chunk merged level by level, a tracing span
 * per statement, and — for inlined text — a second pass over the finished
 * text to replace each `$n`. `instanceof` stands in for `is()`, which differs
 * only for classes from a second copy of drizzle; such a chunk (and a
 * placeholder, which has no value yet) makes the walk give up, and the caller
 * takes drizzle's path (`null`). sql-text.test.ts compares both paths over the
 * statements the API sends.
 */
const dialect = new PgDialect();
const casing = (dialect as unknown as { casing: { getColumnCasing(column: Column): string } }).casing;

// drizzle's own symbols (Table.Symbol, internal in its types; Symbol.for gives the same ones).
const TABLE_NAME = Symbol.for('drizzle:Name');
const TABLE_SCHEMA = Symbol.for('drizzle:Schema');
const IS_ALIAS = Symbol.for('drizzle:IsAlias');
const ENTITY_KIND = Symbol.for('drizzle:entityKind');

const escapeName = (name: string) => `"${name.replace(/"/g, '""')}"`;
const escapeString = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** drizzle's mapInlineParam: a value of a statement built with `.inlineParams()`. */
function inlineParam(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return value.toString();
  if (typeof value === 'string') return escapeString(value);
  if (typeof value === 'object') {
    const text = value.toString();
    return escapeString(text === '[object Object]' ? JSON.stringify(value) : text);
  }
  throw new Error(`Unexpected param value: ${String(value)}`);
}

// node-postgres' own conversion of a bind value to its text (arrays as array literals, objects as JSON); untyped in @types/pg.
const { prepareValue } = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils;

/** A bind value as a SQL literal, in the text form node-postgres would have sent it in. */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  const text = value instanceof Date ? value.toISOString() : (prepareValue(value) as string | null);
  return text === null ? 'null' : pg.escapeLiteral(String(text));
}

/** Thrown inside the walk when it meets what only drizzle's own walk handles. */
class Unsupported extends Error {}

interface Walk {
  /** Collects `$n` literals here; unset: inline them. */
  literals: string[] | undefined;
  out: string;
}

function walk(w: Walk, chunks: readonly unknown[], inlineParams: boolean): void {
  for (const chunk of chunks) write(w, chunk, inlineParams);
}

function value(w: Walk, v: unknown): void {
  const text = literal(v);
  if (w.literals) {
    w.literals.push(text);
    w.out += `$${w.literals.length}`;
  } else w.out += text;
}

function write(w: Walk, chunk: unknown, inlineParams: boolean): void {
  if (chunk instanceof StringChunk) {
    w.out += chunk.value.join('');
    return;
  }
  if (chunk instanceof Name) {
    w.out += escapeName(chunk.value);
    return;
  }
  if (chunk === undefined) return;
  if (Array.isArray(chunk)) {
    w.out += '(';
    chunk.forEach((item, i) => {
      if (i > 0) w.out += ', ';
      write(w, item, inlineParams);
    });
    w.out += ')';
    return;
  }
  if (chunk instanceof SQL) {
    walk(w, chunk.queryChunks, inlineParams || (chunk as unknown as { shouldInlineParams: boolean }).shouldInlineParams);
    return;
  }
  if (chunk instanceof Table) {
    const t = chunk as unknown as Record<symbol, string | boolean | undefined>;
    const schema = t[TABLE_SCHEMA] as string | undefined;
    const name = t[TABLE_NAME] as string;
    w.out += schema === undefined || t[IS_ALIAS] ? escapeName(name) : `${escapeName(schema)}.${escapeName(name)}`;
    return;
  }
  if (chunk instanceof Column) {
    const table = chunk.table as unknown as Record<symbol, string | boolean | undefined>;
    const schema = table[TABLE_SCHEMA] as string | undefined;
    const tableName = escapeName(table[TABLE_NAME] as string);
    const column = escapeName(casing.getColumnCasing(chunk));
    w.out += table[IS_ALIAS] || schema === undefined ? `${tableName}.${column}` : `${escapeName(schema)}.${tableName}.${column}`;
    return;
  }
  if (chunk instanceof View) {
    const config = (chunk as unknown as Record<symbol, { schema?: string; name: string; isAlias: boolean }>)[ViewBaseConfig]!;
    w.out += config.schema === undefined || config.isAlias ? escapeName(config.name) : `${escapeName(config.schema)}.${escapeName(config.name)}`;
    return;
  }
  if (chunk instanceof Param) {
    if (chunk.value instanceof Placeholder) throw new Unsupported();
    const mapped = chunk.value === null ? null : chunk.encoder.mapToDriverValue(chunk.value);
    if (mapped instanceof SQL) {
      write(w, mapped, inlineParams);
      return;
    }
    if (inlineParams) w.out += inlineParam(mapped);
    else value(w, mapped);
    return;
  }
  if (chunk instanceof Placeholder) throw new Unsupported();
  if (chunk instanceof SQL.Aliased && chunk.fieldAlias !== undefined) {
    w.out += escapeName(chunk.fieldAlias);
    return;
  }
  if (chunk instanceof Subquery) {
    const sub = chunk._ as unknown as { isWith: boolean; alias: string; sql: SQL };
    if (sub.isWith) {
      w.out += escapeName(sub.alias);
      return;
    }
    w.out += '(';
    write(w, sub.sql, inlineParams);
    w.out += `) ${escapeName(sub.alias)}`;
    return;
  }
  if (isPgEnum(chunk)) {
    w.out += chunk.schema ? `${escapeName(chunk.schema)}.${escapeName(chunk.enumName)}` : escapeName(chunk.enumName);
    return;
  }
  if (isSQLWrapper(chunk)) {
    const wrapper = chunk as { getSQL(): SQL; shouldOmitSQLParens?: () => boolean };
    if (wrapper.shouldOmitSQLParens?.()) {
      write(w, wrapper.getSQL(), inlineParams);
      return;
    }
    w.out += '(';
    write(w, wrapper.getSQL(), inlineParams);
    w.out += ')';
    return;
  }
  // An object of drizzle's that `instanceof` did not place (a class from another copy of drizzle).
  if (typeof chunk === 'object' && chunk !== null && ENTITY_KIND in (chunk.constructor ?? {})) throw new Unsupported();
  if (inlineParams) w.out += inlineParam(chunk);
  else value(w, chunk);
}

/** One walk of `query`; null when only drizzle's walk can build it. */
function walked(query: SQL, literals: string[] | undefined): string | null {
  const w: Walk = { literals, out: '' };
  try {
    write(w, query, false);
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
  return w.out;
}

/** The statement's text with every bind value inlined as its literal; null: only drizzle's walk can build it. */
export function inlinedText(query: SQL): string | null {
  return walked(query, undefined);
}

/** The statement's text with `$n` placeholders and the literals of its values in order; null as above. */
export function parametrisedText(query: SQL): { text: string; args: string[] } | null {
  const args: string[] = [];
  const text = walked(query, args);
  return text === null ? null : { text, args };
}
