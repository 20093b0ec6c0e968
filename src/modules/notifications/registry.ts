import type { Logger } from 'pino';
import type { TenantScope } from '../../infra/db/tenant.ts';
import type { EmailAttachment } from '../../infra/mail/mailer.ts';
import type { QueueMessage } from '../../infra/queue/message.ts';
import type { TaskDefinition } from '../../infra/queue/tasks.ts';
import type { EmailTemplate } from './contracts.ts';

/**
 * What modules contribute to messaging: event resolvers for the
 * `notifications` queue (domain events -> per-recipient email/SMS jobs) and
 * background tasks for `tasks`. One registry per process, built in
 * src/messaging.ts (the composition root: each module adds one line there),
 * read by the consumers of the API (embedded mode) and of the worker.
 */

export interface NotificationRecipient {
  /** Stable within the event (e.g. the patient id): part of the fan-out's idempotency key. */
  key: string;
  /** Set when the recipient is a patient: ties the delivery to them (export, erasure). */
  patientId?: string;
  /** The recipient's choice (patients.notification_channel). */
  channel: 'email' | 'sms' | 'none';
  email?: string | null;
  phone?: string | null;
  template: EmailTemplate;
  /** Template data (docs/messaging.md lists the fields of each template). */
  data: Record<string, unknown>;
  /** Email only, e.g. the iTIP .ics of an appointment email (confirmation, reschedule, cancellation). */
  attachments?: EmailAttachment[];
}

export type ResolveResult = { recipients: NotificationRecipient[] } | { skip: string };

/** Links patients act on from a message (the process's signing key and PUBLIC_BASE_URL behind them). */
export interface PatientLinks {
  /** The manage link of one appointment (see, cancel, reschedule): src/modules/manage/manage-links.ts. */
  manageUrl(appointment: { hospitalId: string; id: string; endsAt: Date }): string;
}

export interface ResolverContext {
  /** The event's hospital (a tenant transaction: RLS bound to it). */
  scope: TenantScope;
  event: QueueMessage;
  logger: Logger;
  links: PatientLinks;
}

/**
 * Turns one domain event into its recipients, re-reading current state: a
 * reminder resolver returns `{ skip }` when the appointment was cancelled or
 * moved since the reminder was queued.
 */
export type EventResolver = (ctx: ResolverContext) => Promise<ResolveResult>;

export interface MessagingRegistry {
  tasks: Map<string, TaskDefinition>;
  resolvers: Map<string, EventResolver>;
  /** Registers a task handler (and its schedule, if any). */
  addTask(task: TaskDefinition): void;
  /** `pattern`: an exact event type (`appointment.booked`) or a prefix wildcard (`appointment.*`). */
  addResolver(pattern: string, resolver: EventResolver): void;
  findResolver(type: string): EventResolver | undefined;
}

export function createMessagingRegistry(): MessagingRegistry {
  const tasks = new Map<string, TaskDefinition>();
  const resolvers = new Map<string, EventResolver>();
  return {
    tasks,
    resolvers,
    addTask(task) {
      if (tasks.has(task.type)) throw new Error(`task ${task.type} is registered twice`);
      tasks.set(task.type, task);
    },
    addResolver(pattern, resolver) {
      if (resolvers.has(pattern)) throw new Error(`event resolver ${pattern} is registered twice`);
      resolvers.set(pattern, resolver);
    },
    findResolver(type) {
      const exact = resolvers.get(type);
      if (exact) return exact;
      // Longest matching wildcard wins: `appointment.reminder.*` before `appointment.*`.
      let best: { length: number; resolver: EventResolver } | undefined;
      for (const [pattern, resolver] of resolvers) {
        if (!pattern.endsWith('.*')) continue;
        const prefix = pattern.slice(0, -1);
        if (type.startsWith(prefix) && (!best || prefix.length > best.length)) best = { length: prefix.length, resolver };
      }
      return best?.resolver;
    },
  };
}
