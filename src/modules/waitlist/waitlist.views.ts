import type { FastifyReply } from 'fastify';
import { ok } from '../../http/envelope.ts';
import type { WaitlistEntryRow } from './waitlist.repo.ts';
import type { AddedEntry } from './waitlist.service.ts';
import type { WaitlistEntryView } from './waitlist.schemas.ts';

export function waitlistEntryView(row: WaitlistEntryRow): WaitlistEntryView {
  return {
    id: row.id,
    patientId: row.patientId,
    doctorId: row.doctorId,
    visitTypeId: row.visitTypeId,
    earliest: row.earliest,
    latest: row.latest,
    note: row.note,
    source: row.source,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A join's answer, staff and patient alike: 201 for a new entry, 200 with the entry the patient already had (nothing added). */
export function sendAdded(reply: FastifyReply, { row, created }: AddedEntry) {
  return reply.status(created ? 201 : 200).send(ok(waitlistEntryView(row), created ? 'Added to the waitlist' : 'Already on the waitlist'));
}
