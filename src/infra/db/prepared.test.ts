import { sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, beforeAll, describe as describeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { appointmentTestEnv, bookingFixture, type BookingFixture } from '../../../test/helpers/appointment-factories.ts';
import { onServices } from '../../../test/helpers/target.ts';
import type { Db } from './client.ts';
import { enablePreparedReads, executePrepared, heldBy, MAX_PREPARED_PER_CONNECTION, statementName } from './prepared.ts';
import { tenantRows } from './tenant.ts';

/**
 * Tenant reads kept as prepared statements (prepared.ts) read what the
 * inlined statement reads, stay walled per hospital on one connection, and
 * heal when the connection no longer holds what the tracker believes. On
 * PGlite readWith is not used (tenantRows runs a transaction): nothing to test.
 */
const describe = describeAll.skipIf(!onServices);

let t: TestApp;
let a: BookingFixture;
let b: BookingFixture;
/** One connection, prepared reads on: every read below lands on the same server session. */
let one: pg.Pool;
let oneDb: Db;
/** The inlined path, for comparison. */
let inline: pg.Pool;
let inlineDb: Db;
const clients = new Set<pg.PoolClient>();

describe('prepared tenant reads', () => {
  beforeAll(async () => {
    t = await createTestApp({ env: appointmentTestEnv });
    a = await bookingFixture(t);
    b = await bookingFixture(t);
    one = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
    one.on('acquire', (client) => clients.add(client));
    enablePreparedReads(one);
    oneDb = drizzle(one) as unknown as Db;
    inline = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
    inlineDb = drizzle(inline) as unknown as Db;
  });
  afterAll(async () => {
    await one?.end();
    await inline?.end();
    await t?.close();
  });

  const held = async () => (await one.query<{ name: string; generic: number }>('select name, generic_plans::int as generic from pg_prepared_statements')).rows;

  it('reads exactly what the inlined statement reads: quoted text, null, instants, numbers, arrays, json, untyped values', async () => {
    const evil = `it's \\'; drop table patients; -- $1 "x" \u00e9\u{1F600}`;
    const when = new Date('2026-03-29T01:30:00.123Z');
    const statements: SQL[] = [
      sql`select ${evil}::text as v, ${null}::text as n, ${when}::timestamptz as at, ${42}::int as i, ${evil} as untyped, coalesce(${null}, ${'x'}) as c`,
      sql`select ${`{a,"b'c","d\\"e"}`}::text[] as arr, ${JSON.stringify({ q: "'" })}::jsonb as j, ${3} + 4 as sum, now() > ${when} as later`,
      sql`select id, name from doctors where hospital_id = ${a.hospital.id}::uuid order by id`,
    ];
    for (const statement of statements) {
      const expected = await tenantRows(inlineDb, a.hospital.id, statement);
      // Twice: the PREPARE message, then the EXECUTE-only one.
      expect(await tenantRows(oneDb, a.hospital.id, statement)).toEqual(expected);
      expect(await tenantRows(oneDb, a.hospital.id, statement)).toEqual(expected);
    }
  });

  it("serves two hospitals alternately on one connection and never returns the other's rows, with the plan kept", async () => {
    // No hospital filter of its own: only row-level security tells the hospitals apart.
    const statement = sql`select hospital_id::text as h, count(*)::int as n from doctors group by hospital_id`;
    for (let i = 0; i < 12; i++) {
      const hospital = i % 2 === 0 ? a : b;
      expect(await tenantRows(oneDb, hospital.hospital.id, statement)).toEqual([{ h: hospital.hospital.id, n: 1 }]);
      // And asking by the other's id finds nothing.
      const other = i % 2 === 0 ? b : a;
      expect(await tenantRows(oneDb, hospital.hospital.id, sql`select count(*)::int as n from doctors where hospital_id = ${other.hospital.id}::uuid`)).toEqual([{ n: 0 }]);
    }
    const name = statementName(sqlText(statement));
    const row = (await held()).find((r) => r.name === name);
    // Kept on the connection and, past PostgreSQL's five custom plans, run on its generic plan.
    expect(row?.generic).toBeGreaterThan(0);
  });

  it('prepares again after DISCARD ALL (26000) and executes a statement the connection already holds (42P05)', async () => {
    const statement = sql`select ${'heal'}::text as v`;
    expect(await tenantRows(oneDb, a.hospital.id, statement)).toEqual([{ v: 'heal' }]);
    await one.query('discard all');
    expect(await tenantRows(oneDb, a.hospital.id, statement)).toEqual([{ v: 'heal' }]);
    expect((await held()).map((r) => r.name)).toContain(statementName(sqlText(statement)));

    // Prepared behind the tracker's back: the first read meets 42P05 and executes.
    const fresh = sql`select ${'already'}::text as v, 1 as marker_42p05`;
    await one.query(`prepare ${statementName(sqlText(fresh))} as ${sqlText(fresh)}`);
    expect(await tenantRows(oneDb, a.hospital.id, fresh)).toEqual([{ v: 'already', marker_42p05: 1 }]);
  });

  it('a failed read leaves no belief behind, and the next read works', async () => {
    const failing = sql`select 1 / ${0}::int as boom`;
    await expect(tenantRows(oneDb, a.hospital.id, failing)).rejects.toThrow(/division by zero/);
    const name = statementName(sqlText(failing));
    for (const client of clients) expect(heldBy(client)).not.toContain(name);
    expect(await tenantRows(oneDb, a.hospital.id, sql`select ${'after'}::text as v`)).toEqual([{ v: 'after' }]);
  });

  it(`keeps at most ${MAX_PREPARED_PER_CONNECTION} statements per connection (the least recently used is deallocated)`, async () => {
    for (let i = 0; i < MAX_PREPARED_PER_CONNECTION + 5; i++) {
      expect(await tenantRows(oneDb, a.hospital.id, sql`select ${i}::int as i, ${sql.raw(String(i))} as k`)).toEqual([{ i, k: i }]);
    }
    const names = (await held()).map((r) => r.name);
    expect(names.length).toBe(MAX_PREPARED_PER_CONNECTION);
    const [client] = [...clients].slice(-1);
    expect(new Set(heldBy(client!))).toEqual(new Set(names));
  });
});

describeAll('the belief about a connection, corrected by its answers', () => {
  const stale = (code: string) => Object.assign(new Error(code), { code });
  const statement = { text: 'select $1::int as i', args: ["'1'"], inlined: () => "select '1'::int as i" };

  it('prepares, then executes only; forgets on 26000 and prepares again; remembers on 42P05', async () => {
    const client = {} as pg.PoolClient;
    const sent: string[] = [];
    const answers: (Error | 'ok')[] = ['ok', 'ok', stale('26000'), 'ok', stale('42P05'), 'ok'];
    const send = async (message: string) => {
      sent.push(message);
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      return answer;
    };
    const name = statementName(statement.text);
    await executePrepared(client, 'select 0', statement, send);
    await executePrepared(client, 'select 0', statement, send);
    await executePrepared(client, 'select 0', statement, send);
    expect(heldBy(client)).toEqual([name]);
    expect(sent.map((m) => (m.includes('PREPARE') ? 'prepare' : 'execute'))).toEqual(['prepare', 'execute', 'execute', 'prepare']);
    expect(sent[1]).toBe(`select 0;\nEXECUTE ${name}('1')`);
    // Believed absent but there (42P05): executed, and believed from then on.
    const other = {} as pg.PoolClient;
    await executePrepared(other, 'select 0', statement, send);
    expect(sent.slice(4).map((m) => (m.includes('PREPARE') ? 'prepare' : 'execute'))).toEqual(['prepare', 'execute']);
    expect(heldBy(other)).toEqual([name]);
  });

  it('wrong twice (each message on another server connection, as through a transaction-mode pooler): the inlined statement answers', async () => {
    const client = {} as pg.PoolClient;
    const sent: string[] = [];
    const answers = [stale('42P05'), stale('26000')];
    const send = async (message: string) => {
      sent.push(message);
      const answer = answers.shift();
      if (answer) throw answer;
      return 'ok';
    };
    expect(await executePrepared(client, 'select 0', statement, send)).toBe('ok');
    expect(sent.at(-1)).toBe("select 0;\nselect '1'::int as i");
    expect(heldBy(client)).toEqual([]);
  });

  it('any other failure is the caller’s, with nothing believed', async () => {
    const client = {} as pg.PoolClient;
    await expect(executePrepared(client, 'select 0', statement, async () => Promise.reject(stale('22012')))).rejects.toThrow('22012');
    expect(heldBy(client)).toEqual([]);
  });
});

const sqlText = (statement: SQL): string => new PgDialect().sqlToQuery(statement).sql;
