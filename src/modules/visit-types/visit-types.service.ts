// The visit-types module owns the kinds of visit a hospital books: length, buffers, the doctors who offer them and the resource kinds they need.
import type { Db } from '../../infra/db/client.ts';
import { withTenantRead, type ReadRouting } from '../../infra/db/replica.ts';
import { withTenant, type TenantScope } from '../../infra/db/tenant.ts';
import { decodeCursor, pageOf } from '../../shared/cursor.ts';
import { DomainError, notFound } from '../../shared/errors.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import { findHospitalBySubdomain } from '../hospitals/hospitals.repo.ts';
import {
  doctorsAmong,
  findVisitType,
  insertVisitType,
  listVisitTypes,
  replaceVisitTypeDoctors,
  updateVisitType,
  type VisitTypeRow,
  type VisitTypeValues,
} from './visit-types.repo.ts';
import type { CreateVisitTypeInput, ListVisitTypesInput, PublicVisitTypesInput, UpdateVisitTypeInput } from './visit-types.schemas.ts';

type TenantActor = Actor & { hospitalId: string };

/** Every doctor named must be one of this hospital's (404 otherwise, as for any foreign id) and active (422). */
async function assertOfferingDoctors(scope: TenantScope, doctorIds: string[]): Promise<void> {
  const found = await doctorsAmong(scope, doctorIds);
  const missing = doctorIds.filter((id) => !found.some((d) => d.id === id));
  if (missing.length) throw new DomainError('NOT_FOUND', 'Doctor not found', { doctorIds: missing });
  const inactive = found.filter((d) => !d.active).map((d) => d.id);
  if (inactive.length) throw new DomainError('DOCTOR_INACTIVE', 'A deactivated doctor cannot offer a visit type', { doctorIds: inactive });
}

export function createVisitTypeService({ db, reads }: { db: Db; reads: ReadRouting }) {
  async function write(actor: TenantActor, id: string, input: UpdateVisitTypeInput, action: string): Promise<VisitTypeRow> {
    return withTenant(db, actor, async (scope) => {
      const current = await findVisitType(scope, id, { forUpdate: true });
      if (!current) throw notFound('Visit type');
      const { doctorIds, active, name, ...rest } = input;
      const changes: Partial<VisitTypeValues> = { ...rest };
      if (name !== undefined) changes.name = name.trim();
      if (active !== undefined && active !== current.active) {
        changes.active = active;
        changes.deactivatedAt = active ? null : new Date();
      }
      await updateVisitType(scope, id, changes);
      if (doctorIds) {
        await assertOfferingDoctors(scope, doctorIds);
        await replaceVisitTypeDoctors(scope, id, doctorIds);
      }
      await recordAudit(scope, { action, entityType: 'visit_type', entityId: id, changes: [...Object.keys(changes), ...(doctorIds ? ['doctorIds'] : [])] });
      return (await findVisitType(scope, id))!;
    });
  }

  return {
    async create(actor: TenantActor, input: CreateVisitTypeInput): Promise<VisitTypeRow> {
      return withTenant(db, actor, async (scope) => {
        await assertOfferingDoctors(scope, input.doctorIds);
        const row = await insertVisitType(scope, {
          name: input.name.trim(),
          durationMinutes: input.durationMinutes,
          bufferBeforeMinutes: input.bufferBeforeMinutes ?? 0,
          bufferAfterMinutes: input.bufferAfterMinutes ?? 0,
          requires: input.requires ?? [],
          bookableOnline: input.bookableOnline ?? true,
          color: input.color ?? null,
        });
        await replaceVisitTypeDoctors(scope, row.id, input.doctorIds);
        await recordAudit(scope, { action: 'visit_type.created', entityType: 'visit_type', entityId: row.id, changes: Object.keys(input) });
        return (await findVisitType(scope, row.id))!;
      });
    },

    async list(actor: TenantActor, query: ListVisitTypesInput) {
      const after = decodeCursor(query.cursor);
      const rows = await withTenantRead(reads, actor, actor.hospitalId, (scope) =>
        listVisitTypes(scope, {
          limit: query.limit,
          after,
          ...(query.doctorId ? { doctorId: query.doctorId } : {}),
          ...(query.active !== undefined ? { active: query.active } : {}),
        }),
      );
      return pageOf(rows, query.limit, (r) => r.name);
    },

    async get(actor: TenantActor, id: string): Promise<VisitTypeRow> {
      const row = await withTenant(db, actor.hospitalId, (scope) => findVisitType(scope, id));
      if (!row) throw notFound('Visit type');
      return row;
    },

    update: (actor: TenantActor, id: string, input: UpdateVisitTypeInput) => write(actor, id, input, 'visit_type.updated'),

    deactivate: (actor: TenantActor, id: string) => write(actor, id, { active: false }, 'visit_type.deactivated'),

    /** The public booking pages: active, bookable-online types only. */
    async listPublic(subdomain: string, query: PublicVisitTypesInput) {
      const hospital = await reads.read(null, (replica) => findHospitalBySubdomain(replica, subdomain.toLowerCase()));
      if (!hospital) throw notFound('Hospital');
      const after = decodeCursor(query.cursor);
      const rows = await withTenantRead(reads, null, hospital.id, (scope) => listVisitTypes(scope, { limit: query.limit, after, online: true }));
      return pageOf(rows, query.limit, (r) => r.name);
    },
  };
}

export type VisitTypeService = ReturnType<typeof createVisitTypeService>;
