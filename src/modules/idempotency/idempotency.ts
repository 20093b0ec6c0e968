import { createHash } from 'node:crypto';
import { Type } from 'typebox';
import type { Executor } from '../../infra/db/client.ts';
import { DomainError } from '../../shared/errors.ts';
import { deleteKeysOlderThan, findKey, insertKeyIfAbsent, reclaimExpiredKey, saveResponse } from './idempotency.repo.ts';

/**
 * `Idempotency-Key` for unsafe requests (POST /v1/appointments).
 *
 * The key row is written INSIDE the transaction of the change it guards:
 * - first use: the row is inserted, the change runs, the response is stored
 *   in the same row, all committed together (or nothing is: a failed request
 *   leaves no record and may be retried with the same key);
 * - a concurrent second request with the same key blocks on the primary key
 *   until the first commits, then replays its stored response: one change;
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

export interface IdempotentRequest {
  key: string;
  hash: string;
}

export type Claim =
  | { kind: 'fresh' }
  | { kind: 'replay'; statusCode: number; body: unknown };

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
 * Claims `request.key` for this transaction or returns the response to replay.
 * Must run inside the transaction that makes the change, before the change.
 */
export async function claimIdempotencyKey(
  tx: Executor,
  hospitalId: string,
  request: IdempotentRequest,
  retentionMs: number,
  now: Date = new Date(),
): Promise<Claim> {
  const expiredBefore = new Date(now.getTime() - retentionMs);
  // Two rounds at most: a reclaim race against a concurrent reclaimer ends with its row visible.
  for (let round = 0; round < 3; round++) {
    if (await insertKeyIfAbsent(tx, hospitalId, request.key, request.hash)) return { kind: 'fresh' };
    const row = await findKey(tx, hospitalId, request.key);
    if (!row) continue; // purged between the two statements: insert again
    if (row.createdAt.getTime() < expiredBefore.getTime()) {
      if (await reclaimExpiredKey(tx, hospitalId, request.key, request.hash, expiredBefore)) return { kind: 'fresh' };
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
      // Only possible if a transaction committed the key without its response: refuse rather than guess.
      throw new DomainError('CONFLICT', 'A request with this Idempotency-Key has no recorded response; retry with a new key', {
        key: request.key,
      });
    }
    return { kind: 'replay', statusCode: row.statusCode, body: row.responseBody };
  }
  throw new DomainError('CONFLICT', 'The Idempotency-Key is being used concurrently; retry', { key: request.key });
}

/** Stores the response of a fresh claim, in the same transaction as the change. */
export async function recordIdempotentResponse(
  tx: Executor,
  hospitalId: string,
  key: string,
  statusCode: number,
  body: unknown,
): Promise<void> {
  await saveResponse(tx, hospitalId, key, statusCode, body);
}

/** Deletes records past retention (run by a scheduled task; expired rows are ignored anyway). */
export async function purgeExpiredIdempotencyKeys(db: Executor, retentionMs: number, now: Date = new Date()): Promise<number> {
  return deleteKeysOlderThan(db, new Date(now.getTime() - retentionMs));
}
