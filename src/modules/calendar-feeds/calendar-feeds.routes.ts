import type { FastifyInstance } from 'fastify';
import { tenantActorOf } from '../../http/actor.ts';
import { Envelope, ok } from '../../http/envelope.ts';
import { described, typedRoutes } from '../../http/route-defaults.ts';
import { CalendarFeed, CalendarFeedDoctorParams, CalendarFeedHeaders, CalendarFeedParams } from './calendar-feeds.schemas.ts';
import type { CalendarFeedService } from './calendar-feeds.service.ts';

const ETAG_HEADER = { ETag: { type: 'string', maxLength: 64, description: 'Changes when the feed does; send it back in If-None-Match' } };

/** RFC 9110: If-None-Match matches when any listed tag (weak comparison) equals the current one, or it is `*`. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

export async function calendarFeedRoutes(fastify: FastifyInstance, { service }: { service: CalendarFeedService }) {
  const app = typedRoutes(fastify, 'calendars');

  app.post(
    '/v1/doctors/:id/calendar-feed',
    {
      config: { permission: 'calendarFeeds.create' },
      schema: {
        operationId: 'createCalendarFeed',
        summary: "A new secret calendar address for the doctor's appointments (owner, admin, or the doctor); the previous address stops working",
        params: CalendarFeedDoctorParams,
        response: { 201: Envelope(CalendarFeed) },
      },
    },
    async (request, reply) => reply.status(201).send(ok(await service.create(tenantActorOf(request), request.params.id), 'Calendar feed created')),
  );

  app.get(
    '/calendar/:file',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'getCalendarFeed',
        summary: "A doctor's appointments as an RFC 5545 feed (30 days back to the booking horizon; patient initials only, cancelled visits left out)",
        params: CalendarFeedParams,
        headers: CalendarFeedHeaders,
        response: {
          200: described(
            { content: { 'text/calendar': { schema: { type: 'string', description: 'iCalendar (RFC 5545), METHOD:PUBLISH' } } }, headers: ETAG_HEADER },
            'The feed',
          ),
          304: described({ type: 'null', headers: ETAG_HEADER }, 'Not modified: the copy with this ETag is current'),
        },
      },
    },
    async (request, reply) => {
      const { body, etag } = await service.read(request.params.file);
      // Subscribed calendars poll: they may keep it a few minutes, but only privately (the address is a secret).
      reply.header('etag', etag).header('cache-control', 'private, max-age=300');
      if (matches(request.headers['if-none-match'], etag)) return reply.status(304).send();
      return reply.status(200).type('text/calendar; charset=utf-8').send(body);
    },
  );
}
