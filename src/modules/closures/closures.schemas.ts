import { Type, type Static } from 'typebox';
import { IdParams, Instant, PageQuery, Uuid } from '../../http/schemas.ts';

const InstantIn = Type.String({ format: 'date-time', maxLength: 40, description: 'ISO 8601 instant with offset, e.g. 2030-12-25T00:00:00+01:00' });

export const CreateClosureBody = Type.Object(
  { start: InstantIn, end: InstantIn, reason: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false, examples: [{ start: '2030-12-25T00:00:00+01:00', end: '2030-12-27T00:00:00+01:00', reason: 'Christmas' }] },
);
export type CreateClosureInput = Static<typeof CreateClosureBody>;

export const ListClosuresQuery = PageQuery({
  from: Type.Optional({ ...InstantIn, description: 'Only closures ending after this instant' }),
});
export type ListClosuresInput = Static<typeof ListClosuresQuery>;

export const ClosureParams = IdParams;

export const Closure = Type.Object(
  { id: Uuid, start: Instant, end: Instant, reason: Type.String(), createdAt: Instant, updatedAt: Instant },
  { $id: 'Closure' },
);
