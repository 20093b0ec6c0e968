import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus registry and the instruments every part of Tempus
 * shares. One per process (built in createDeps), never prom-client's global
 * registry, so several apps in one test process do not collide.
 *
 * Adapters that own a number (pool size, breaker state, queue depth) register
 * a collect-time gauge with `observe()` instead of pushing values.
 */
export interface Metrics {
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  dbQueryDuration: Histogram<'operation'>;
  /** Reads that could have gone to the read replica but went to the primary, by why. */
  replicaFallbacks: Counter<'reason'>;
  /** Replica-eligible reads by where they ran (replica | primary). */
  routedReads: Counter<'target'>;
  cacheRequests: Counter<'cache' | 'result'>;
  rateLimitRejections: Counter<'scope'>;
  messages: Counter<'queue' | 'event'>;
  notificationsSent: Counter<'channel'>;
  /** Rows the retention task deleted or blanked, by what they were. */
  retentionRemoved: Counter<'kind'>;
  /** A gauge whose value is read when /metrics is scraped. */
  observe(name: string, help: string, read: () => number | Promise<number> | Record<string, number> | Promise<Record<string, number>>, labelName?: string): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tempus_' });
  const registers = [registry];
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'tempus_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    dbQueryDuration: new Histogram({
      name: 'tempus_db_query_duration_seconds',
      help: 'Database time by operation',
      labelNames: ['operation'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    replicaFallbacks: new Counter({
      name: 'tempus_db_replica_fallbacks_total',
      help: 'Replica-eligible reads served by the primary: replica down, lagging, failed mid-read (error), the reader wrote recently (recent_write), or the marker could not be read',
      labelNames: ['reason'] as const,
      registers,
    }),
    routedReads: new Counter({ name: 'tempus_db_routed_reads_total', help: 'Replica-eligible reads by where they ran', labelNames: ['target'] as const, registers }),
    cacheRequests: new Counter({ name: 'tempus_cache_requests_total', help: 'Cache lookups by result (hit, miss, error)', labelNames: ['cache', 'result'] as const, registers }),
    rateLimitRejections: new Counter({ name: 'tempus_rate_limit_rejections_total', help: 'Requests refused with 429', labelNames: ['scope'] as const, registers }),
    messages: new Counter({ name: 'tempus_messages_total', help: 'Queue messages by event (published, consumed, failed, dead)', labelNames: ['queue', 'event'] as const, registers }),
    notificationsSent: new Counter({ name: 'tempus_notifications_sent_total', help: 'Emails and SMS handed to their provider', labelNames: ['channel'] as const, registers }),
    retentionRemoved: new Counter({
      name: 'tempus_retention_rows_removed_total',
      help: 'Rows the retention task deleted or blanked past their retention, by kind',
      labelNames: ['kind'] as const,
      registers,
    }),
    observe(name, help, read, labelName) {
      new Gauge({
        name,
        help,
        labelNames: labelName ? [labelName] : [],
        registers,
        async collect() {
          const value = await read();
          if (typeof value === 'number') this.set(value);
          else for (const [label, v] of Object.entries(value)) this.set({ [labelName ?? 'name']: label }, v);
        },
      });
    },
  };
}
