import type { CodeableConcept, Communication } from '@medplum/fhirtypes';
import { IDENTIFIER_SYSTEM, ref } from './references.ts';

/** One line of the delivery log that concerns a patient. */
export interface DeliveryFacts {
  messageId: string;
  patientId: string;
  channel: 'email' | 'sms' | 'none';
  template: string;
  status: 'queued' | 'sent' | 'failed' | 'dead' | 'skipped';
  lastError: string | null;
  sentAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Delivery status → Communication.status (EventStatus). */
const STATUS = { queued: 'preparation', failed: 'in-progress', sent: 'completed', dead: 'stopped', skipped: 'not-done' } as const;

/** v3 ParticipationMode has written email; SMS has no code there, so it travels as text. */
const MEDIUM: Record<'email' | 'sms', () => CodeableConcept> = {
  email: () => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode', code: 'EMAILWRIT', display: 'email' }] }),
  sms: () => ({ text: 'SMS' }),
};

/**
 * A message Tempus sent (or chose not to send) to the patient. Bodies are not
 * kept past their retention, so the Communication names the template (topic)
 * and what happened, not the text; no recipient address (erasure removes it).
 */
export function toCommunication(d: DeliveryFacts): Communication {
  return {
    resourceType: 'Communication',
    id: d.messageId,
    meta: { lastUpdated: d.updatedAt.toISOString() },
    identifier: [{ system: IDENTIFIER_SYSTEM.message, value: d.messageId }],
    status: STATUS[d.status],
    ...(d.status === 'skipped' || d.status === 'dead' ? { statusReason: { text: d.lastError ?? d.status } } : {}),
    ...(d.channel !== 'none' ? { medium: [MEDIUM[d.channel]()] } : {}),
    subject: { reference: ref.patient(d.patientId) },
    recipient: [{ reference: ref.patient(d.patientId) }],
    topic: { text: d.template },
    ...(d.sentAt ? { sent: d.sentAt.toISOString() } : {}),
  };
}
