// The idempotency module owns Idempotency-Key for creates: idempotent() claims a key, runs the work and stores its result for replay.
import { createHash } from 'node:crypto';
import { Type } from 'typebox';
import type { Executor } from '../../infra/db/client.ts';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { TaskDefinition } from '../../infra/queue/tasks.ts';
import { DomainError } from '../../shared/errors.ts';
import { deleteKeysOlderThan, findKey, insertKeyIfAbsent, reclaimExpiredKey, saveResult } from './idempotency.repo.ts';

/**
 * `Idempotency-Key` for creates (POST /v1/appointments today; any create
 * route can use `idempotent`).
 *
 * The key row is written INSIDE the transaction of the change it guards:
 * - first use: the row is inserted, the change runs, its result (`{status,
 *   view}`, never an HTTP envelope) is stored in the same row, all committed
 *   together (or nothing is: a failed request leaves no record and may be
 *   retried with the same key);
 * - a concurrent second request with the same key blocks on the primary key
 *   until the first commits, then replays the stored result: one change;
 * - same key, different request (body, route or caller): 422
 *   IDEMPOTENCY_KEY_REUSED;
 * - a record older than the retention window counts as absent.
 */

/** Header schema fragment: visible ASCII, 1..255 characters (a UUID is the usual choice). */
export const IdempotencyKeyHeader = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^[\\x21-\\x7E]+$',
  description: 'Client-chosen key (e.g. a UUID): a retry with the same key and body within 24 h replays the first response',
});

/** The response header of a replay, for the routes' OpenAPI answers. */
export const REPLAYED_HEADERS = {
  'Idempotent-Replayed': { type: 'string', enum: ['true'], description: 'Present when this is the stored answer to an earlier request with the same Idempotency-Key' },
};

export interface IdempotentRequest {
  key: string;
  hash: string;
}

/** What an idempotent create answers: its status and the created resource's view. The route wraps the view in its envelope, first time and on replay alike. */
export interface IdempotentResult<V, S extends number = number> {
  status: S;
  view: V;
}

type Claim = { kind: 'fresh' } | { kind: 'replay'; status: number; view: unknown };

/** Stable JSON: object keys sorted at every depth, so `{a,b}` and `{b,a}` hash alike. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What makes two requests "the same": method, route, the caller and the body. */
export function requestHash(parts: { method: string; route: string; userId: string; body: unknown }): string {
  return createHash('sha256')
    .update(canonicalJson({ method: parts.method.toUpperCase(), route: parts.route, userId: parts.userId, body: parts.body ?? null }))
    .digest('hex');
}

/**
 * The Idempotency-Key of a create request, if it carries one: the key and the
 * hash of what makes a repeat "the same" (method, route, caller, body).
 */
export function idempotencyOf(
  key: string | undefined,
  parts: { method: string; route: string; userId: string; body: unknown },
): IdempotentRequest | undefined {
  return key ? { key, hash: requestHash(parts) } : undefined;
}

/** Claims `request.key` for this transaction or returns the result to replay; runs before the change, in its transaction. */
async function claim(scope: TenantScope, request: IdempotentRequest, retentionMs: number, now: Date): Promise<Claim> {
  const expiredBefore = new Date(now.getTime() - retentionMs);
  // Two rounds at most: a reclaim race against a concurrent reclaimer ends with its row visible.
  for (let round = 0; round < 3; round++) {
    if (await insertKeyIfAbsent(scope, request.key, request.hash)) return { kind: 'fresh' };
    const row = await findKey(scope, request.key);
    if (!row) continue; // purged between the two statements: insert again
    if (row.createdAt.getTime() < expiredBefore.getTime()) {
      if (await reclaimExpiredKey(scope, request.key, request.hash, expiredBefore)) return { kind: 'fresh' };
      continue;
    }
    if (row.requestHash !== request.hash) {
      throw new DomainError(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used for a different request; use a new key for a new request',
        { key: request.key },
      );
    }
    if (row.statusCode === null) {
      // Only possible if a transaction committed the key without its result: refuse rather than guess.
      throw new DomainError('CONFLICT', 'A request with this Idempotency-Key has no recorded response; retry with a new key', {
        key: request.key,
      });
    }
    return { kind: 'replay', status: row.statusCode, view: row.responseBody };
  }
  throw new DomainError('CONFLICT', 'The Idempotency-Key is being used concurrently; retry', { key: request.key });
}

/**
 * Runs `work` at most once per key, inside the caller's tenant transaction:
 * claims the key, runs the work and stores its `{status, view}` in the same
 * transaction; a repeat of the request gets the stored result back with
 * `replayed: true` instead of running the work. Without a request (no
 * Idempotency-Key header) the work simply runs.
 */
export async function idempotent<V, S extends number>(
  scope: TenantScope,
  request: IdempotentRequest | undefined,
  retentionMs: number,
  work: () => Promise<IdempotentResult<V, S>>,
  now: Date = new Date(),
): Promise<IdempotentResult<V, S> & { replayed: boolean }> {
  if (request) {
    const claimed = await claim(scope, request, retentionMs, now);
    // The stored status is the one `work` answered for this route, so it is an S.
    if (claimed.kind === 'replay') return { status: claimed.status as S, view: claimed.view as V, replayed: true };
  }
  const result = await work();
  if (request) await saveResult(scope, request.key, result.status, result.view);
  return { ...result, replayed: false };
}

/** Deletes records past retention (run by the task below; expired rows are ignored anyway). */
export async function purgeExpiredIdempotencyKeys(db: Executor, retentionMs: number, now: Date = new Date()): Promise<number> {
  return deleteKeysOlderThan(db, new Date(now.getTime() - retentionMs));
}

/**
 * Hourly: deletes Idempotency-Key records past IDEMPOTENCY_TTL_HOURS. Only
 * housekeeping — an expired record is already treated as unused when a
 * request arrives — so a missed run changes nothing but table size.
 */
export const idempotencyPurgeTask: TaskDefinition = {
  type: 'idempotency.purge',
  schedule: { everyMs: 3_600_000 },
  async run(_payload, { db, config, logger }) {
    const deleted = await purgeExpiredIdempotencyKeys(db, config.env.IDEMPOTENCY_TTL_HOURS * 3_600_000);
    if (deleted) logger.info({ deleted }, 'expired idempotency keys deleted');
  },
};
