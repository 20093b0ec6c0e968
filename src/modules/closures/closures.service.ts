// The closures module owns a hospital's closures (holidays, building works); availability and booking read them.
import type { Db } from '../../infra/db/client.ts';
import { withTenantRead, type ReadRouting } from '../../infra/db/replica.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { decodeTimeCursor, pageOf } from '../../shared/cursor.ts';
import { notFound } from '../../shared/errors.ts';
import { parseInstant, parseInstantRange } from '../../shared/instant.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import { deleteClosure, insertClosure, listClosures, type ClosureRow } from './closures.repo.ts';
import type { CreateClosureInput, ListClosuresInput } from './closures.schemas.ts';

type TenantActor = Actor & { hospitalId: string };

/** Appointments already booked inside a new closure stand: staff move or cancel them, as with a doctor's time off. */
export function createClosureService({ db, reads }: { db: Db; reads: ReadRouting }) {
  return {
    async create(actor: TenantActor, input: CreateClosureInput): Promise<ClosureRow> {
      const { startsAt, endsAt } = parseInstantRange(input);
      return withTenant(db, actor, async (scope) => {
        const row = await insertClosure(scope, { startsAt, endsAt, reason: input.reason.trim(), createdBy: actor.userId });
        await recordAudit(scope, {
          action: 'hospital.closure_created',
          entityType: 'hospital_closure',
          entityId: row.id,
          changes: Object.keys(input),
          metadata: { start: startsAt.toISOString(), end: endsAt.toISOString() },
        });
        return row;
      });
    },

    async list(actor: TenantActor, query: ListClosuresInput) {
      const after = decodeTimeCursor(query.cursor);
      const from = query.from ? parseInstant(query.from, 'from', 'querystring') : undefined;
      const rows = await withTenantRead(reads, actor, actor.hospitalId, (scope) => listClosures(scope, { limit: query.limit, after, ...(from ? { from } : {}) }));
      return pageOf(rows, query.limit, (r) => r.startsAt.toISOString());
    },

    async remove(actor: TenantActor, id: string): Promise<ClosureRow> {
      return withTenant(db, actor, async (scope) => {
        const row = await deleteClosure(scope, id);
        if (!row) throw notFound('Closure');
        await recordAudit(scope, { action: 'hospital.closure_removed', entityType: 'hospital_closure', entityId: id });
        return row;
      });
    },
  };
}

export type ClosureService = ReturnType<typeof createClosureService>;
