import { Type } from 'typebox';
import { IdParams } from '../../http/schemas.ts';

export const CalendarFeedDoctorParams = IdParams;

export const CalendarFeed = Type.Object(
  {
    url: Type.String({
      format: 'uri',
      description: 'The secret address of the feed (subscribe to it in a calendar app); shown only now, and replaced by the next POST',
      examples: ['http://localhost:8000/calendar/3q2-7wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics'],
    }),
  },
  { $id: 'CalendarFeed' },
);

export const CalendarFeedParams = Type.Object(
  { file: Type.String({ maxLength: 64, description: 'The token of the secret address followed by `.ics`', examples: ['3q2-7wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics'] }) },
  { additionalProperties: false },
);

export const CalendarFeedHeaders = Type.Object({
  'if-none-match': Type.Optional(Type.String({ maxLength: 200, description: 'The ETag of the copy the client has: 304 when unchanged' })),
});
