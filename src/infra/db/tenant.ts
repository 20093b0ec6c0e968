import { and, eq, type SQL } from 'drizzle-orm';
import type { PgColumn, PgInsertValue, PgTable, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { readWith, transactionWith } from './batch.ts';
import { parseRows } from './parsers.ts';
import type { Db, Tx } from './client.ts';

/**
 * Who acts inside a scope, as the audit log records them: a signed-in user on
 * one request, or (`kind: 'patient'`) the patient themselves through a
 * self-service link, who has no user id.
 */
export interface ScopeActor {
  userId: string | null;
  requestId: string;
  /** Absent means 'user'. */
  kind?: 'user' | 'patient';
  /** Set when the patient acts. */
  patientId?: string | null;
}

/** A table whose rows belong to one hospital: it has a `hospital_id` column (and an RLS policy on it). */
export type TenantTable = PgTable & { hospitalId: PgColumn };

type Condition = SQL | undefined;
type TenantValues<T extends TenantTable> = Omit<PgInsertValue<T>, 'hospitalId'>;

/**
 * One hospital's transaction, handed to repositories instead of a bare
 * transaction and a `hospitalId` argument. The query helpers put
 * `hospital_id = <this hospital>` into every select, update and delete and set
 * it on every insert, so a repository cannot forget the tenant filter; raw SQL
 * repositories read `scope.hospitalId`. Passed explicitly, never looked up
 * from a request context. Row-level security (set up by withTenant) stays the
 * second wall for the query that goes around these helpers.
 */
export class TenantScope<A extends ScopeActor | null = ScopeActor | null> {
  constructor(
    readonly tx: Tx,
    readonly hospitalId: string,
    /** The acting user (audit); null for reads on a hospital's behalf and for background work. */
    readonly actor: A,
  ) {}

  /** `table.hospital_id = this hospital`, AND every given condition (undefined ones are left out). */
  where(table: TenantTable, ...conditions: Condition[]): SQL {
    return and(eq(table.hospitalId, this.hospitalId), ...conditions)!;
  }

  /** `select * from table where <tenant> and ...`; chain orderBy/limit/for as usual. */
  select<T extends TenantTable>(table: T, ...conditions: Condition[]) {
    // `as never`: drizzle's from() cannot check a generic table; T itself types the rows.
    return this.tx.select().from<T>(table as never).where(this.where(table, ...conditions));
  }

  /** Inserts with `hospital_id` set to this hospital on every row. */
  insert<T extends TenantTable>(table: T, values: TenantValues<T> | TenantValues<T>[]) {
    const rows = (Array.isArray(values) ? values : [values]).map((v) => ({ ...v, hospitalId: this.hospitalId }) as PgInsertValue<T>);
    return this.tx.insert(table).values(rows);
  }

  update<T extends TenantTable>(table: T, changes: PgUpdateSetSource<T>, ...conditions: Condition[]) {
    return this.tx.update(table).set(changes).where(this.where(table, ...conditions));
  }

  delete<T extends TenantTable>(table: T, ...conditions: Condition[]) {
    return this.tx.delete(table).where(this.where(table, ...conditions));
  }
}

/**
 * Runs `fn` in a transaction bound to one hospital: the tenant id is set for
 * the row-level security policies and the role drops to tempus_app, which the
 * policies apply to; `fn` gets the TenantScope its repositories take. Given an
 * actor (`{ hospitalId, userId, requestId, ... }`) the scope carries it for the
 * audit log; given a hospital id alone, the scope has no actor.
 */
export function withTenant<T>(db: Db, hospitalId: string, fn: (scope: TenantScope<null>) => Promise<T>): Promise<T>;
export function withTenant<A extends ScopeActor & { hospitalId: string }, T>(db: Db, actor: A, fn: (scope: TenantScope<A>) => Promise<T>): Promise<T>;
export async function withTenant<T>(
  db: Db,
  tenant: string | (ScopeActor & { hospitalId: string }),
  fn: (scope: TenantScope<never>) => Promise<T>,
): Promise<T> {
  const hospitalId = typeof tenant === 'string' ? tenant : tenant.hospitalId;
  const actor = typeof tenant === 'string' ? null : tenant;
  return transactionWith(db, tenantContext(hospitalId), (tx) => fn(new TenantScope(tx, hospitalId, actor as never)));
}

/**
 * A tenant read that needs ONE statement: the rows of `statement` (built for
 * `hospitalId`), under the same row-level security context and role as
 * withTenant, in one round trip on PostgreSQL (readWith: the set_config and
 * the statement as one implicit transaction) instead of four (BEGIN,
 * set_config, the statement, COMMIT). Rows parsed as rawRows parses them.
 */
export async function tenantRows<T>(db: Db, hospitalId: string, statement: SQL): Promise<T[]> {
  const result = await readWith(db, tenantContext(hospitalId), statement);
  if (result) return parseRows<T>(result);
  return withTenant(db, hospitalId, async ({ tx }) => parseRows<T>((await tx.execute(statement)) as never));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The statement that binds a transaction to a hospital: the tenant id for the
 * row-level security policies, and the role tempus_app they apply to
 * (set_config('role', ..., true) is SET LOCAL ROLE). It travels with BEGIN in
 * one simple-protocol message, which has no bind parameters, so the id is a
 * literal: only a UUID is accepted, which leaves nothing to escape.
 */
function tenantContext(hospitalId: string): string {
  if (!UUID.test(hospitalId)) throw new Error(`withTenant: hospital id is not a UUID: ${JSON.stringify(hospitalId).slice(0, 60)}`);
  return `select set_config('app.hospital_id', '${hospitalId}', true), set_config('role', 'tempus_app', true)`;
}
