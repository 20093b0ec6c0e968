import { and, eq, gte, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { alias, PgDialect, pgEnum, pgSchema, pgTable, text, uuid, integer, jsonb, timestamp, boolean } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { drizzleInlineSql, inlineSql } from './batch.ts';
import { literal, parametrisedText } from './sql-text.ts';

/**
 * Our one-walk statement compiler (sql-text.ts) against drizzle's own, over
 * every kind of chunk drizzle's walk knows: the same text, the same values.
 * (test/helpers/sql-text-check.ts compares the two on every statement the
 * suites send as well.)
 */
const dialect = new PgDialect();
const mood = pgEnum('mood', ['calm', 'busy']);
const ward = pgSchema('ward');
const beds = ward.table('beds', { id: uuid('id').primaryKey(), label: text('label') });
const visits = pgTable('visits', {
  id: uuid('id').primaryKey(),
  hospitalId: uuid('hospital_id').notNull(),
  startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
  minutes: integer('minutes'),
  tags: text('tags').array(),
  meta: jsonb('meta'),
  mood: mood('mood'),
  done: boolean('done'),
  note: text('note'),
});
// A query builder without a connection: builders only build.
const db = drizzle.mock();
const evil = `it's \\'; drop table x; -- $1 "q" é😀`;
const when = new Date('2026-03-29T01:30:00.123Z');
const other = alias(visits, 'v2');

const corpus: [string, SQL][] = [
  ['plain values of every kind', sql`select ${evil}, ${null}, ${undefined}, ${42}, ${1.5}, ${true}, ${when}, ${[1, 2]}, ${{ a: "'" }}, ${Buffer.from('ab')}`],
  ['tables, columns, schema, alias, identifiers', sql`select ${visits.id}, ${beds.label}, ${other.minutes} from ${visits}, ${beds}, ${other} where ${sql.identifier('x"y')} = ${sql.raw("'$2'")}`],
  ['nested SQL, sql.join, arrays of chunks, empty chunks', sql`with a as (${sql`select ${1}`}) select ${sql.join([sql`${2}`, sql`${evil}`], sql`, `)} in ${[sql`${3}`, 4]} ${sql.empty()}`],
  ['inlineParams', sql`select ${sql`${evil}, ${5}, ${{ k: 1 }}, ${null}`.inlineParams()}, ${6}`],
  ['encoded params', sql`select ${sql.param({ a: 1 }, visits.meta)}, ${sql.param(when, visits.startsAt)}, ${sql.param(['x', "y'"], visits.tags)}`],
  ['a pg enum', sql`select null::${mood}`],
  ['select builder: joins, where, order, limit, for update', db.select({ id: visits.id, n: sql<number>`count(*)`.as('n') }).from(visits).innerJoin(other, eq(other.id, visits.id)).where(and(eq(visits.hospitalId, 'h'), gte(visits.startsAt, when), inArray(visits.note, [evil, 'b']), isNull(visits.done))).groupBy(visits.id).orderBy(visits.startsAt).limit(3).for('update').getSQL()],
  ['insert builder: values of every column type, returning, on conflict', db.insert(visits).values({ id: 'i', hospitalId: 'h', startsAt: when, minutes: 3, tags: ['a', "b'c", 'd"e'], meta: { evil, n: [1] }, mood: 'calm', done: false, note: null }).onConflictDoNothing().returning({ id: visits.id }).getSQL()],
  ['update and delete builders', sql`${db.update(visits).set({ minutes: sql`${visits.minutes} + ${1}`, note: evil }).where(eq(visits.id, 'i')).getSQL()}; ${db.delete(visits).where(eq(visits.id, 'i')).returning().getSQL()}`],
  ['subqueries and a CTE', (() => {
    const sub = db.select({ id: visits.id }).from(visits).where(eq(visits.minutes, 5)).as('sub');
    const cte = db.$with('recent').as(db.select({ id: visits.id }).from(visits).where(gte(visits.startsAt, when)));
    return db.with(cte).select({ id: sub.id }).from(sub).where(inArray(sub.id, db.select({ id: cte.id }).from(cte))).getSQL();
  })()],
];

describe('sql-text: one walk of a statement against drizzle’s', () => {
  it.each(corpus)('%s: the same text with $n and the same values', (_name, statement) => {
    const ours = parametrisedText(statement);
    const theirs = dialect.sqlToQuery(statement);
    expect(ours).not.toBeNull();
    expect(ours!.text).toBe(theirs.sql);
    expect(ours!.args).toEqual(theirs.params.map(literal));
  });

  it.each(corpus)('%s: the same inlined text', (_name, statement) => {
    expect(inlineSql(statement)).toBe(drizzleInlineSql(statement));
  });

  it('keeps a "$1" the caller wrote in raw text as written (the old path replaced it with a value)', () => {
    // drizzle's walk and then a replace of every $n outside quotes would have put the first value where the raw $1 is.
    const statement = sql`select ${sql.raw('$1')} as raw, ${'v'} as v`;
    expect(inlineSql(statement)).toBe(`select $1 as raw, 'v' as v`);
    expect(drizzleInlineSql(statement)).not.toBe(inlineSql(statement));
  });

  it('leaves a placeholder (no value yet) to drizzle', () => {
    const statement = sql`select ${sql.placeholder('p')}`;
    expect(parametrisedText(statement)).toBeNull();
    expect(dialect.sqlToQuery(statement).sql).toBe('select $1');
  });
});
