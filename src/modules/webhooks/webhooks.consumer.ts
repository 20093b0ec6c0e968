import type { Logger } from 'pino';
import { Type } from 'typebox';
import type { Config } from '../../config.ts';
import type { Db } from '../../infra/db/client.ts';
import { withTenant, type TenantScope } from '../../infra/db/tenant.ts';
import { createOutboundAgents, OutboundNetworkError, OutboundRefused, postTo, resolveTarget, type PostResult } from '../../infra/http/outbound.ts';
import type { Metrics } from '../../infra/observability/metrics.ts';
import { PermanentError, TransientError, errorText } from '../../infra/queue/errors.ts';
import type { QueueHandler } from '../../infra/queue/message.ts';
import { createDeliveryHandler } from '../notifications/delivery.ts';
import { enqueueJob } from '../notifications/jobs.ts';
import { createSecretBox } from './secrets.ts';
import { signatureHeader } from './secrets.ts';
import {
  disableEndpoint,
  disableNoticeRecipients,
  findEndpoint,
  insertAttempt,
  markEndpointFailing,
  markEndpointHealthy,
  type EndpointRow,
} from './webhooks.repo.ts';

/** Queue `webhooks`, type `webhook`: one event for one endpoint. */
export const WebhookJob = Type.Object({
  template: Type.String({ minLength: 1 }),
  to: Type.String({ format: 'uuid' }),
  data: Type.Object({ type: Type.String({ minLength: 1 }), timestamp: Type.String({ format: 'date-time' }), data: Type.Record(Type.String(), Type.Unknown()) }),
  sourceMessageId: Type.Optional(Type.String()),
});

/** Receivers answer within the timeout; what they say beyond this is not read (SPEC section 16). */
export const MAX_RESPONSE_BYTES = 4096;

/** 5xx, 408 and 429 say "later"; every other non-2xx answer will not change on a retry. */
export const isRetryableStatus = (status: number) => status >= 500 || status === 408 || status === 429;

export interface WebhookHandlerDeps {
  db: Db;
  config: Config;
  serverSecret: string;
  logger: Logger;
  metrics?: Metrics;
  /** The clock the failing streak is judged by (tests move it forward). */
  clock?: () => Date;
}

/**
 * Queue `webhooks`: the shared delivery handler (claim, idempotency, dead
 * letters) with an HTTP sender. Each send re-reads the endpoint in the
 * message's hospital, so a deleted or disabled endpoint receives nothing, a
 * rotated secret signs at once, and one hospital's message can never be sent
 * with another hospital's endpoint. The SSRF guard runs again here (DNS may
 * have changed since the endpoint was saved).
 */
export function createWebhookHandler(deps: WebhookHandlerDeps): QueueHandler {
  const { db, config, logger } = deps;
  const env = config.env;
  const clock = deps.clock ?? (() => new Date());
  const box = createSecretBox(deps.serverSecret);
  const disableAfterMs = env.WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000;
  // Kept connections per endpoint address; idle ones close by themselves and do not hold the process open.
  const agents = createOutboundAgents();

  function secretsOf(endpoint: EndpointRow, at: Date): string[] {
    const secrets = [box.open(endpoint.secretSealed)];
    if (endpoint.previousSecretSealed && endpoint.previousSecretUntil && endpoint.previousSecretUntil.getTime() > at.getTime()) {
      secrets.push(box.open(endpoint.previousSecretSealed));
    }
    return secrets;
  }

  /** Records a failed attempt, and disables the endpoint once its streak is long enough (owners emailed, same transaction). */
  async function failed(scope: TenantScope, endpoint: EndpointRow, at: Date): Promise<void> {
    const since = await markEndpointFailing(scope, endpoint.id, at);
    if (!since || at.getTime() - since.getTime() < disableAfterMs) return;
    const reason = `every delivery failed since ${since.toISOString()} (${env.WEBHOOK_DISABLE_AFTER_HOURS} h)`;
    if (!(await disableEndpoint(scope, endpoint.id, at, reason))) return;
    const { hospitalName, emails } = await disableNoticeRecipients(scope);
    for (const to of emails) {
      await enqueueJob(scope, {
        channel: 'email',
        template: 'webhook_disabled',
        to,
        data: { hospitalName, url: endpoint.url, endpointId: endpoint.id, failingSince: since.toISOString(), disabledAt: at.toISOString() },
      });
    }
    logger.warn({ endpointId: endpoint.id, hospitalId: scope.hospitalId, failingSince: since.toISOString() }, 'webhook endpoint disabled');
  }

  return createDeliveryHandler({
    db,
    leaseMs: env.DELIVERY_LEASE_MS,
    metrics: deps.metrics,
    channel: 'webhook',
    contract: WebhookJob,
    // The exact bytes that are signed and sent: serialised once, here.
    render: (job) => JSON.stringify(job.data),
    async send(job, body, messageId, message) {
      const hospitalId = message.hospitalId;
      if (!hospitalId) throw new PermanentError('a webhook message has no hospital');
      const endpoint = await withTenant(db, hospitalId, (scope) => findEndpoint(scope, job.to));
      if (!endpoint) throw new PermanentError('the webhook endpoint was deleted');
      if (!endpoint.active) throw new PermanentError('the webhook endpoint is disabled');

      const at = clock();
      const sentAt = new Date();
      const started = performance.now();
      let result: PostResult | null = null;
      let failure: Error | null = null;
      try {
        const target = await resolveTarget(endpoint.url, { allowPrivate: env.WEBHOOK_ALLOW_PRIVATE });
        result = await postTo(target, {
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Tempus-Webhooks/1',
            'webhook-id': messageId,
            'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
            'webhook-signature': signatureHeader(secretsOf(endpoint, at), messageId, sentAt, body),
          },
          body,
          timeoutMs: env.WEBHOOK_TIMEOUT_MS,
          maxResponseBytes: MAX_RESPONSE_BYTES,
          agents,
        });
      } catch (err) {
        failure = err as Error;
      }
      const ok = result !== null && result.status >= 200 && result.status < 300;
      const error = failure ? errorText(failure) : ok ? null : `HTTP ${result!.status}`;
      await withTenant(db, hospitalId, async (scope) => {
        await insertAttempt(scope, { endpointId: endpoint.id, messageId, statusCode: result?.status ?? null, error, durationMs: performance.now() - started, at });
        // A healthy endpoint (the usual case) has no streak to end: no statement for it.
        if (ok) {
          if (endpoint.failingSince) await markEndpointHealthy(scope, endpoint.id);
        } else await failed(scope, endpoint, at);
      });
      if (ok) return { providerMessageId: `HTTP ${result!.status}` };
      if (failure instanceof OutboundRefused) throw new PermanentError(`the endpoint URL ${failure.message}`);
      if (failure) throw failure instanceof OutboundNetworkError ? new TransientError(failure.message) : failure;
      const status = result!.status;
      if (isRetryableStatus(status)) throw new TransientError(`the receiver answered HTTP ${status}`);
      throw new PermanentError(`the receiver answered HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`);
    },
  });
}
