import { describe, expect, it } from 'vitest';
import { toErrorBody } from '../../http/error-handler.ts';
import { isUnavailableError } from './errors.ts';

/** A database that went away is a 503 the client may retry, never a 500 (test/faults exercises it for real). */
describe('isUnavailableError', () => {
  const wrapped = (cause: unknown) => Object.assign(new Error('Failed query: select 1'), { cause });

  it.each([
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['connection reset, wrapped by drizzle', wrapped(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))],
    ['server shutting down (57P01)', wrapped(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))],
    ['server starting up (57P03)', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
    ['connection exception (08006)', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['connection terminated', wrapped(new Error('Connection terminated unexpectedly'))],
  ])('%s -> 503 SERVICE_UNAVAILABLE', (_name, err) => {
    expect(isUnavailableError(err)).toBe(true);
    expect(toErrorBody(err)).toMatchObject({ status: 503, body: { code: 'SERVICE_UNAVAILABLE' } });
  });

  it.each([
    ['a bug', new TypeError('x is undefined')],
    ['a unique violation', wrapped(Object.assign(new Error('duplicate key'), { code: '23505' }))],
    ['a syntax error', Object.assign(new Error('syntax error'), { code: '42601' })],
  ])('%s is not an outage', (_name, err) => {
    expect(isUnavailableError(err)).toBe(false);
    expect(toErrorBody(err).status).not.toBe(503);
  });
});
