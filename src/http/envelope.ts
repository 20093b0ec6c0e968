import { Type, type TSchema } from 'typebox';

/** `{ data, message }` — every success (SPEC section 2); `details` where a success has something to point out. */
export function ok<T>(data: T, message = 'OK', details?: Record<string, unknown>) {
  return { data, message, ...(details ? { details } : {}) };
}

/** Lists: `data` is an array and `page.nextCursor` continues it. */
export function page<T>(data: T[], nextCursor: string | null, message = 'OK') {
  return { data, page: { nextCursor }, message };
}

export const Envelope = <T extends TSchema, D extends TSchema = never>(data: T, details?: D) =>
  Type.Object({ data, message: Type.String(), ...(details ? { details: Type.Optional(details) } : {}) }, { additionalProperties: false });

export const ListEnvelope = <T extends TSchema>(item: T) =>
  Type.Object({
    data: Type.Array(item),
    page: Type.Object({ nextCursor: Type.Union([Type.String(), Type.Null()]) }),
    message: Type.String(),
  });

export const ErrorEnvelope = Type.Object(
  {
    error: Type.String({ description: 'A sentence for humans' }),
    code: Type.String({ description: 'A stable machine code, e.g. VALIDATION_ERROR' }),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'ErrorEnvelope', title: 'Error' },
);

/** Response schemas for the error statuses a route can answer with. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref('ErrorEnvelope')]));
}
