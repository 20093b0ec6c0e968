import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { appointmentTestEnv, bookingFixture, bookOk, daysAheadAt, type BookingFixture } from '../../../test/helpers/appointment-factories.ts';
import { onServices } from '../../../test/helpers/target.ts';

/**
 * What one booking costs PostgreSQL: the messages node-postgres sends (round
 * trips) and the SQL statements in them, from BEGIN to COMMIT, recorded at
 * node-postgres' Client.query (installed before any pool connects). The
 * figures docs/performance.md quotes ("database round trips"). Only on the
 * services target: PGlite runs in this process and has no wire to count.
 */
let recording: { client: pg.Client; text: string }[] | null = null;
const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
  const text = typeof config === 'string' ? config : (config as { text?: string } | null)?.text;
  if (recording && text) recording.push({ client: this, text });
  return (originalQuery as (...a: unknown[]) => unknown).call(this, config, ...rest);
} as typeof originalQuery;

/** Statements in one message: semicolons outside quotes and comments, plus one. */
function statementsIn(text: string): number {
  const bare = text.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*/g, '');
  return bare.split(';').filter((part) => part.trim() !== '').length;
}

/** The messages of the tenant transaction recorded, BEGIN to COMMIT on its connection (the relays run their own meanwhile). */
function transactionOf(messages: { client: pg.Client; text: string }[]): string[] {
  const begin = messages.findIndex((m) => /^\s*begin\b[\s\S]*app\.hospital_id/i.test(m.text));
  if (begin < 0) throw new Error(`no tenant transaction among: ${messages.map((m) => m.text.slice(0, 30)).join(' | ')}`);
  const own = messages.slice(begin).filter((m) => m.client === messages[begin]!.client).map((m) => m.text);
  const commit = own.findIndex((m) => /^\s*commit\b/i.test(m));
  if (commit < 0) throw new Error('the tenant transaction did not commit');
  return own.slice(0, commit + 1);
}

describe.runIf(onServices)('a booking and an availability read, on the wire', () => {
  let t: TestApp;
  let f: BookingFixture;
  beforeAll(async () => {
    t = await createTestApp({ env: appointmentTestEnv });
    f = await bookingFixture(t);
  });
  afterAll(async () => {
    pg.Client.prototype.query = originalQuery;
    await t?.close();
  });

  it('POST /v1/appointments is 4 round trips and 7 statements from BEGIN to COMMIT (no webhook endpoint, no resources, no Idempotency-Key)', async () => {
    recording = [];
    try {
      await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: f.patientId, start: daysAheadAt(2, 10).toISOString() });
    } finally {
      const tx = transactionOf(recording);
      recording = null;
      // begin+set_config | context (+ webhook endpoints) | lock, sweep, insert with outbox and audit | commit
      expect({ roundTrips: tx.length, statements: tx.reduce((n, m) => n + statementsIn(m), 0) }).toEqual({ roundTrips: 4, statements: 7 });
    }
  });

  it("GET a doctor's availability is ONE round trip: the tenant's set_config and the read as one implicit transaction", async () => {
    recording = [];
    let res;
    try {
      res = await t.app.inject({ method: 'GET', url: `/v1/doctors/${f.doctorId}/availability?from=${daysAheadAt(1, 0).toISOString().slice(0, 10)}&to=${daysAheadAt(7, 0).toISOString().slice(0, 10)}`, headers: f.auth });
    } finally {
      const reads = recording.filter((m) => /app\.hospital_id/.test(m.text)).map((m) => m.text);
      recording = null;
      expect(res?.statusCode).toBe(200);
      expect(reads).toHaveLength(1);
      // The read itself: inlined, or kept per connection (prepared.ts: PREPARE then EXECUTE the first time, EXECUTE after).
      const read = /^select set_config\('app\.hospital_id'[^;]*;\s*(select |PREPARE (s_\w+) AS select [\s\S]*;\s*EXECUTE \2\(|EXECUTE s_\w+\()/.exec(reads[0]!);
      expect(read, reads[0]).not.toBeNull();
      expect(statementsIn(reads[0]!)).toBe(read![1]!.startsWith('PREPARE') ? 3 : 2);
    }
  });
});
