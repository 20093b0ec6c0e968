import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { idColumn, instant } from './columns.ts';

/** Who did what to which object, when. Holds field names, never clinical values. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id'),
    /** 'user' (staff, or a scheduled task when actor_user_id is null) or 'patient' (self-service link: actor_patient_id). */
    actorType: text('actor_type').$type<'user' | 'patient'>().notNull().default('user'),
    actorUserId: uuid('actor_user_id'),
    actorPatientId: uuid('actor_patient_id'),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: uuid('entity_id'),
    requestId: text('request_id'),
    changes: text('changes').array(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>(),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('audit_events_hospital_created_idx').on(t.hospitalId, t.createdAt.desc(), t.id.desc()),
    index('audit_events_entity_idx').on(t.hospitalId, t.entityType, t.entityId),
    check('audit_events_actor_type_check', sql`${t.actorType} in ('user', 'patient')`),
  ],
);
