// FHIR Slots are not stored: free ones come from the availability service, busy ones are the live appointments.
import type { Slot } from '@medplum/fhirtypes';
import { withTenantRead, type ReadRouting } from '../../infra/db/replica.ts';
import { encodeCursor } from '../../shared/cursor.ts';
import { notFound, validation } from '../../shared/errors.ts';
import type { AvailabilityService } from '../availability/availability.service.ts';
import { MAX_AVAILABILITY_DAYS } from '../availability/availability.service.ts';
import { activeDoctorIds, busyTimes } from './fhir.repo.ts';
import type { FhirReader } from './fhir.service.ts';
import { parseSlotId } from './mapping/references.ts';
import { toSlot, type SlotFacts } from './mapping/slot.ts';
import { cursorOf, pageSizeOf, searchset, type PageParams, type Paging } from './paging.ts';
import { dateWindow, references, tokens } from './search-params.ts';

type Values = string[] | undefined;
export type SlotQuery = PageParams & { schedule?: Values; start?: Values; status?: Values };

const DAY_MS = 86_400_000;
/** Without `start=lt...` a search looks a week ahead. */
const DEFAULT_DAYS = 7;
const SLOT_STATUSES = ['free', 'busy'] as const;

const tooWide = () =>
  validation(`Invalid search parameter start: a Slot search covers at most ${MAX_AVAILABILITY_DAYS} days`, {
    fields: [{ field: 'start', in: 'querystring', message: `the window from ge to lt may span at most ${MAX_AVAILABILITY_DAYS} days` }],
  });

interface Deps {
  reads: ReadRouting;
  availability: AvailabilityService;
  paging: Paging;
  now: () => Date;
}

export function createSlotSearch({ reads, availability, paging, now }: Deps) {
  /** Every slot of these doctors starting in the window, ordered by (start, doctor). */
  async function slotsIn(reader: FhirReader, doctorIds: string[] | undefined, window: { from: Date; to: Date }, statuses: readonly string[]) {
    const { ids, busy } = await withTenantRead(reads, reader, reader.hospitalId, async (scope) => {
      const ids = await activeDoctorIds(scope, doctorIds);
      return { ids, busy: statuses.includes('busy') ? await busyTimes(scope, ids, window) : [] };
    });
    const free = statuses.includes('free')
      ? (await Promise.all(ids.map((id) => availability.forDoctorBetween(reader, id, window)))).flatMap((r) =>
          r.slots.map((s): SlotFacts => ({ doctorId: r.doctorId, start: s.start, end: s.end, status: 'free' })),
        )
      : [];
    const taken = busy.map((b): SlotFacts => ({ doctorId: b.doctorId, start: b.startsAt.toISOString(), end: b.endsAt.toISOString(), status: 'busy' }));
    return [...free, ...taken]
      .map((s) => ({ ...s, startMs: Date.parse(s.start) }))
      .sort((x, y) => x.startMs - y.startMs || (x.doctorId < y.doctorId ? -1 : x.doctorId > y.doctorId ? 1 : 0));
  }

  return {
    async search(reader: FhirReader, query: SlotQuery) {
      const doctorIds = references('schedule', query.schedule, 'Schedule');
      const statuses = tokens('status', query.status, SLOT_STATUSES) ?? SLOT_STATUSES;
      const asked = dateWindow('start', query.start);
      const from = asked.from ?? now().getTime();
      const to = asked.to ?? from + DEFAULT_DAYS * DAY_MS;
      if (to - from > MAX_AVAILABILITY_DAYS * DAY_MS) throw tooWide();
      const all = to > from ? await slotsIn(reader, doctorIds, { from: new Date(from), to: new Date(to) }, statuses) : [];
      const after = cursorOf(query);
      const afterMs = after ? Number(after.key) : null;
      if (after && !Number.isFinite(afterMs)) throw validation('The cursor is not valid; follow the Bundle\'s next link', { field: '_cursor' });
      const rest = after ? all.filter((s) => s.startMs > afterMs! || (s.startMs === afterMs && s.doctorId > after.id)) : all;
      const limit = pageSizeOf(paging, query);
      const items = rest.slice(0, limit);
      const last = items[items.length - 1];
      const nextCursor = rest.length > limit && last ? encodeCursor({ key: String(last.startMs), id: last.doctorId }) : null;
      return searchset(paging, 'Slot', query, { resources: items.map((s) => toSlot(s)), nextCursor, total: all.length });
    },

    /** A slot by id: free if availability offers it now, busy if a live appointment starts then, else gone (404). */
    async read(reader: FhirReader, id: string): Promise<Slot> {
      const parsed = parseSlotId(id);
      if (!parsed) throw notFound('Slot');
      const window = { from: new Date(parsed.startMs), to: new Date(parsed.startMs + 1000) };
      const [slot] = await slotsIn(reader, [parsed.doctorId], window, SLOT_STATUSES);
      if (!slot || slot.startMs !== parsed.startMs) throw notFound('Slot');
      return toSlot(slot);
    },
  };
}
