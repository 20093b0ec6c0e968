import { Type, type Static, type TProperties, type TSchema } from 'typebox';
import { errorStatus, type ErrorCode } from '../shared/errors.ts';
import { MAX_PAGE, Nullable } from './schemas.ts';

/** `{ data, message }` — every success (SPEC section 2); `details` where a success has something to point out. */
export function ok<T, D extends Record<string, unknown> = never>(data: T, message = 'OK', details?: D): { data: T; message: string; details?: D } {
  return { data, message, ...(details ? { details } : {}) };
}

/** Lists: `data` is an array and `page.nextCursor` continues it. */
export function page<T>(data: T[], nextCursor: string | null, message = 'OK') {
  return { data, page: { nextCursor }, message };
}

const Message = Type.String({ description: 'What happened, for humans' });

/** `extra` adds fields beside `data` (additively: existing clients ignore them). */
export const Envelope = <T extends TSchema, X extends TProperties = {}>(data: T, extra: X = {} as X) =>
  Type.Object({ data, message: Message, ...extra }, { additionalProperties: false });

export const Page = Type.Object(
  { nextCursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last page' })) },
  { $id: 'Page' },
);

export const ListEnvelope = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item, { maxItems: MAX_PAGE }), page: Page, message: Message });

export const ErrorEnvelope = Type.Object(
  {
    error: Type.String({ description: 'A sentence for humans' }),
    code: Type.Enum(Object.keys(errorStatus) as ErrorCode[], { description: 'A stable machine code (SPEC section 2)' }),
    details: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'Facts for the client, e.g. `fields` for VALIDATION_ERROR, `retryAfterSeconds` for RATE_LIMITED' }),
    ),
  },
  { $id: 'ErrorEnvelope', title: 'Error' },
);
export type ErrorBody = Static<typeof ErrorEnvelope>;

/** A reference to the shared error envelope, typed as what it holds. */
export const ErrorRef = Type.Unsafe<ErrorBody>(Type.Ref('ErrorEnvelope'));

/**
 * Response schemas for the errors a route answers because of what it does
 * (404 for a missing object, 409 for a conflict, ...). The answers every
 * route shares (400, 401/403 by auth mode, 413/415, 429, 500, 503) are added
 * by src/http/route-defaults.ts.
 */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof ErrorRef> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorRef])) as Record<S, typeof ErrorRef>;
}
