// The resources module owns a hospital's rooms and devices: their kinds, deactivation and time off. Booking them is the appointments module's.
import type { Db } from '../../infra/db/client.ts';
import { withTenantRead, type ReadRouting } from '../../infra/db/replica.ts';
import { withTenant, type TenantScope } from '../../infra/db/tenant.ts';
import { decodeCursor, decodeTimeCursor, pageOf } from '../../shared/cursor.ts';
import { notFound } from '../../shared/errors.ts';
import { parseInstantRange } from '../../shared/instant.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import {
  deleteResourceTimeOff,
  findResource,
  insertResource,
  insertResourceTimeOff,
  listResources,
  listResourceTimeOff,
  updateResource,
  type ResourceRow,
  type ResourceTimeOffRow,
} from './resources.repo.ts';
import type {
  CreateResourceInput,
  CreateResourceTimeOffInput,
  ListResourcesInput,
  ListResourceTimeOffInput,
  UpdateResourceInput,
} from './resources.schemas.ts';

type TenantActor = Actor & { hospitalId: string };

async function resourceOr404(scope: TenantScope, id: string, opts: { forUpdate?: boolean } = {}): Promise<ResourceRow> {
  const row = await findResource(scope, id, opts);
  if (!row) throw notFound('Resource');
  return row;
}

/**
 * Resources are never deleted (bookings point at them): deactivation keeps
 * them out of new assignments and availability; existing bookings stand.
 * A plan limit on resources would be checked in `create` (plan-policy),
 * as doctors are counted today.
 */
export function createResourceService({ db, reads }: { db: Db; reads: ReadRouting }) {
  async function change(actor: TenantActor, id: string, input: UpdateResourceInput, action: string): Promise<ResourceRow> {
    return withTenant(db, actor, async (scope) => {
      const current = await resourceOr404(scope, id, { forUpdate: true });
      const changes: Parameters<typeof updateResource>[2] = {};
      if (input.name !== undefined) changes.name = input.name.trim();
      if (input.kind !== undefined) changes.kind = input.kind;
      if (input.active !== undefined && input.active !== current.active) {
        changes.active = input.active;
        changes.deactivatedAt = input.active ? null : new Date();
      }
      const row = (await updateResource(scope, id, changes))!;
      await recordAudit(scope, { action, entityType: 'resource', entityId: id, changes: Object.keys(changes) });
      return row;
    });
  }

  return {
    async create(actor: TenantActor, input: CreateResourceInput): Promise<ResourceRow> {
      return withTenant(db, actor, async (scope) => {
        const row = await insertResource(scope, { name: input.name.trim(), kind: input.kind, active: input.active ?? true });
        await recordAudit(scope, { action: 'resource.created', entityType: 'resource', entityId: row.id, changes: Object.keys(input), metadata: { kind: row.kind } });
        return row;
      });
    },

    async list(actor: TenantActor, query: ListResourcesInput) {
      const after = decodeCursor(query.cursor);
      const rows = await withTenantRead(reads, actor, actor.hospitalId, (scope) =>
        listResources(scope, { limit: query.limit, after, ...(query.kind ? { kind: query.kind } : {}), ...(query.active !== undefined ? { active: query.active } : {}) }),
      );
      return pageOf(rows, query.limit, (r) => r.name);
    },

    async get(actor: TenantActor, id: string): Promise<ResourceRow> {
      return withTenant(db, actor.hospitalId, (scope) => resourceOr404(scope, id));
    },

    update: (actor: TenantActor, id: string, input: UpdateResourceInput) => change(actor, id, input, 'resource.updated'),

    deactivate: (actor: TenantActor, id: string) => change(actor, id, { active: false }, 'resource.deactivated'),

    async createTimeOff(actor: TenantActor, resourceId: string, input: CreateResourceTimeOffInput): Promise<ResourceTimeOffRow> {
      const { startsAt, endsAt } = parseInstantRange(input);
      return withTenant(db, actor, async (scope) => {
        await resourceOr404(scope, resourceId);
        const row = await insertResourceTimeOff(scope, { resourceId, startsAt, endsAt, reason: input.reason ?? null, createdBy: actor.userId });
        await recordAudit(scope, { action: 'resource.time_off_created', entityType: 'resource_time_off', entityId: row.id, changes: Object.keys(input), metadata: { resourceId } });
        return row;
      });
    },

    async listTimeOff(actor: TenantActor, resourceId: string, query: ListResourceTimeOffInput) {
      const after = decodeTimeCursor(query.cursor);
      const rows = await withTenant(db, actor.hospitalId, async (scope) => {
        await resourceOr404(scope, resourceId);
        return listResourceTimeOff(scope, resourceId, { limit: query.limit, after });
      });
      return pageOf(rows, query.limit, (r) => r.startsAt.toISOString());
    },

    async deleteTimeOff(actor: TenantActor, resourceId: string, timeOffId: string): Promise<ResourceTimeOffRow> {
      return withTenant(db, actor, async (scope) => {
        await resourceOr404(scope, resourceId);
        const row = await deleteResourceTimeOff(scope, resourceId, timeOffId);
        if (!row) throw notFound('Time off');
        await recordAudit(scope, { action: 'resource.time_off_removed', entityType: 'resource_time_off', entityId: timeOffId, metadata: { resourceId } });
        return row;
      });
    },
  };
}

export type ResourceService = ReturnType<typeof createResourceService>;
