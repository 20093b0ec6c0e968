import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { appointmentTestEnv, bookingFixture, type BookingFixture } from '../../../test/helpers/appointment-factories.ts';
import { auditInsert } from '../../modules/audit/audit.repo.ts';
import { runBatch } from './batch.ts';
import { parseRows } from './parsers.ts';
import { tenantRows, withTenant } from './tenant.ts';

/**
 * The shortcuts of batch.ts keep what they shorten: inlined values arrive as
 * the very values, a one-statement tenant read is as walled as a tenant
 * transaction, and nothing of a tenant's context stays on a pooled connection.
 */
let t: TestApp;
let a: BookingFixture;
let b: BookingFixture;
beforeAll(async () => {
  t = await createTestApp({ env: appointmentTestEnv });
  a = await bookingFixture(t);
  b = await bookingFixture(t);
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.deps.database.db;

describe('statements sent together', () => {
  it('inlines values as exactly those values: quotes, backslashes, semicolons, $1, comments, unicode, null, dates, drizzle-encoded arrays and json', async () => {
    const evil = `it's \\'; drop table patients; -- $1 "x" \u00e9\u{1F600}`;
    const when = new Date('2026-03-29T01:30:00.123Z');
    const results = await withTenant(db(), { hospitalId: a.hospital.id, userId: null, requestId: 'batch-test' }, (scope) =>
      runBatch(scope.tx, [
        sql`select ${evil}::text as v, ${null}::text as n, ${when}::timestamptz as at, ${42}::int as i`,
        // Values drizzle encodes itself (a text[] column, a jsonb column), as the booking's audit row has them.
        auditInsert(scope, { action: 'test.batch', entityType: 'test', changes: ['a', 'b"c', "d'e", evil], metadata: { q: "'", s: ';', evil } })!,
        sql`select changes, metadata from audit_events where action = 'test.batch'`,
      ]),
    );
    expect(parseRows(results[0]!)).toEqual([{ v: evil, n: null, at: when, i: 42 }]);
    expect(parseRows(results[2]!)).toEqual([{ changes: ['a', 'b"c', "d'e", evil], metadata: { q: "'", s: ';', evil } }]);
    // The hostile text did nothing: the table is there.
    expect(await tenantRows(db(), a.hospital.id, sql`select count(*)::int as n from patients`)).toEqual([{ n: 1 }]);
  });

  it('runs each statement of a batch after the one before (a later one sees an earlier one’s row)', async () => {
    let seen: unknown;
    await expect(
      withTenant(db(), a.hospital.id, async ({ tx }) => {
        const results = await runBatch(tx, [
          sql`insert into patients (hospital_id, name) values (${a.hospital.id}::uuid, 'Batch Patient')`,
          sql`select count(*)::int as n from patients where name = 'Batch Patient'`,
        ]);
        seen = results[1];
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(parseRows(seen as never)).toEqual([{ n: 1 }]);
    // Thrown out of withTenant: rolled back.
    expect(await tenantRows(db(), a.hospital.id, sql`select count(*)::int as n from patients where name = 'Batch Patient'`)).toEqual([{ n: 0 }]);
  });
});

describe('a one-statement tenant read (tenantRows)', () => {
  it("runs as tempus_app with the hospital's id set, and sees no other hospital's rows (RLS)", async () => {
    const rows = await tenantRows<{ role: string; tenant: string; mine: number; theirs: number }>(
      db(),
      a.hospital.id,
      sql`select current_user as role, current_setting('app.hospital_id') as tenant,
                 (select count(*)::int from doctors where hospital_id = ${a.hospital.id}::uuid) as mine,
                 (select count(*)::int from doctors where hospital_id = ${b.hospital.id}::uuid) as theirs`,
    );
    expect(rows).toEqual([{ role: 'tempus_app', tenant: a.hospital.id, mine: 1, theirs: 0 }]);
  });

  it('leaves nothing behind on the pooled connections: after it, plain queries run as before', async () => {
    for (let i = 0; i < 12; i++) await tenantRows(db(), a.hospital.id, sql`select 1 as one`);
    const after = await Promise.all(
      Array.from({ length: 12 }, () =>
        db()
          .execute(sql`select current_user as role, coalesce(current_setting('app.hospital_id', true), '') as tenant`)
          .then((r) => parseRows<{ role: string; tenant: string }>(r as never)[0]!),
      ),
    );
    for (const row of after) expect(row.tenant).toBe('');
    expect(new Set(after.map((r) => r.role)).has('tempus_app')).toBe(false);
  });

  it('refuses a hospital id that is not a UUID (it becomes a literal)', async () => {
    await expect(tenantRows(db(), `${a.hospital.id}', true); select 1; --`, sql`select 1`)).rejects.toThrow(/not a UUID/);
    await expect(withTenant(db(), 'x', async () => 1)).rejects.toThrow(/not a UUID/);
  });
});
