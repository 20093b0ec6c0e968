// A doctor's secret calendar address: the token is shown once, only its hash is kept; the feed reuses the invite .ics builder.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../infra/db/client.ts';
import { withTenantRead, type ReadRouting } from '../../infra/db/replica.ts';
import type { MemberRole } from '../../infra/db/schema/members.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { buildFeed } from '../../shared/ics.ts';
import { forbidden, notFound } from '../../shared/errors.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import { findDoctor } from '../doctors/doctors.repo.ts';
import { feedAppointments, feedContext, findFeedByTokenHash, replaceFeedToken, type FeedAppointment } from './calendar-feeds.repo.ts';

type FeedActor = Actor & { hospitalId: string; role: MemberRole; doctorId: string | null };

const DAY_MS = 86_400_000;
/** The feed starts this far back: last month's visits stay visible in the doctor's calendar. */
export const FEED_DAYS_BACK = 30;
/** `<43 base64url characters>.ics`: 32 random bytes. */
const FEED_FILE = /^([A-Za-z0-9_-]{43})\.ics$/;

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** "Maria del Carmen Rossi" → "M. D. C. R.": enough for a doctor to recognise, nothing more leaves Tempus. */
export function initials(name: string): string {
  return name
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => `${Array.from(word)[0]!.toLocaleUpperCase('en')}.`)
    .join(' ');
}

export const feedSummary = (a: Pick<FeedAppointment, 'visitTypeName' | 'patientName'>) => `${a.visitTypeName ?? 'Appointment'} (${initials(a.patientName)})`;

export function createCalendarFeedService(options: { db: Db; reads: ReadRouting; publicBaseUrl: string }) {
  const { db, reads } = options;
  return {
    /** A new secret address for the doctor's feed; the previous one stops working at once. */
    async create(actor: FeedActor, doctorId: string): Promise<{ url: string }> {
      if (actor.role === 'doctor' && actor.doctorId !== doctorId) throw forbidden('A doctor can only create the calendar feed of their own calendar');
      const token = randomBytes(32).toString('base64url');
      await withTenant(db, actor, async (scope) => {
        if (!(await findDoctor(scope, doctorId))) throw notFound('Doctor');
        const { replaced } = await replaceFeedToken(scope, doctorId, hashToken(token), actor.userId);
        await recordAudit(scope, { action: 'calendar_feed.created', entityType: 'doctor', entityId: doctorId, metadata: { replaced } });
      });
      return { url: `${options.publicBaseUrl}/calendar/${token}.ics` };
    },

    /**
     * The feed behind a secret address, from FEED_DAYS_BACK days ago to the
     * booking horizon, with an ETag of its bytes (DTSTAMPs are the
     * appointments' own update times, so the bytes change only when the
     * calendar does). Unknown, malformed or revoked addresses are 404.
     */
    async read(file: string, now: Date = new Date()): Promise<{ body: string; etag: string }> {
      const token = FEED_FILE.exec(file)?.[1];
      if (!token) throw notFound('Calendar feed');
      const feed = await findFeedByTokenHash(db, hashToken(token));
      if (!feed) throw notFound('Calendar feed');
      const body = await withTenantRead(reads, null, feed.hospitalId, async (scope) => {
        const ctx = await feedContext(scope, feed.doctorId);
        if (!ctx) throw notFound('Calendar feed');
        const from = new Date(now.getTime() - FEED_DAYS_BACK * DAY_MS);
        const to = new Date(now.getTime() + ctx.bookingHorizonDays * DAY_MS);
        const rows = await feedAppointments(scope, feed.doctorId, from, to);
        return buildFeed({
          name: `${ctx.doctorName} (${ctx.hospitalName})`,
          events: rows.map((a) => ({
            uid: a.id,
            start: a.startsAt,
            end: a.endsAt,
            stamp: a.updatedAt,
            sequence: a.version,
            summary: feedSummary(a),
            location: [ctx.hospitalName, ctx.hospitalAddress].filter(Boolean).join(', '),
          })),
        });
      });
      return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    },
  };
}

export type CalendarFeedService = ReturnType<typeof createCalendarFeedService>;
