import { and, eq, sql } from 'drizzle-orm';
import { waitlistEntries, waitlistOffers } from '../../infra/db/schema/waitlist.ts';
import type { ScopeActor, TenantScope } from '../../infra/db/tenant.ts';
import type { ErasureStep } from '../patient-rights/erasure-steps.ts';
import { withdrawOffer } from './offer-engine.ts';

/**
 * Erasing a patient takes them off every waitlist: a pending offer is
 * withdrawn (its hold released, the slot passed to the next entry), every
 * entry becomes `removed` and loses its free-text note. The rows stay as
 * the record that an entry existed, naming only the pseudonymised patient.
 */
export const waitlistErasure: ErasureStep = {
  name: 'waitlistEntriesRemoved',
  async run(scope, patient) {
    const pending = await scope.tx
      .select({ offer: waitlistOffers })
      .from(waitlistOffers)
      .innerJoin(waitlistEntries, and(eq(waitlistEntries.hospitalId, waitlistOffers.hospitalId), eq(waitlistEntries.id, waitlistOffers.entryId)))
      .where(and(eq(waitlistOffers.hospitalId, scope.hospitalId), eq(waitlistEntries.patientId, patient.id), eq(waitlistOffers.status, 'pending')))
      .for('update', { of: waitlistOffers });
    // The erasure always runs as the member who asked for it (the audit log names them).
    if (!scope.actor) throw new Error('the waitlist erasure step needs the acting member');
    for (const { offer } of pending) await withdrawOffer(scope as TenantScope<ScopeActor>, offer, 'declined');
    const changed = await scope
      .update(waitlistEntries, { status: sql`case when ${waitlistEntries.status} = 'active' then 'removed' else ${waitlistEntries.status} end`, note: null, updatedAt: sql`now()` }, eq(waitlistEntries.patientId, patient.id))
      .returning({ id: waitlistEntries.id });
    return changed.length;
  },
};
