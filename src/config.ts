/**
 * One schema over process.env, parsed once at start and frozen.
 *
 * Every variable is declared here with its parser, default and the sentence
 * that ends up in `.env.example`; a bad value stops start-up with one line that
 * names the variable (see ConfigError). Adapters are chosen per service: a
 * service whose URL is unset runs embedded, which NODE_ENV=production refuses.
 */

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'ConfigError';
  }
}

type Parser<T> = (raw: string) => T;

interface VarSpec<T> {
  parse: Parser<T>;
  default?: T;
  doc: string;
  /** A sample value shown (commented out) in .env.example for variables without a default. */
  example?: string;
}

const int =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`must be an integer, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new Error(`must be between ${min} and ${max}, got ${n}`);
    return n;
  };

const str: Parser<string> = (raw) => raw;

const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw) => {
    if (!values.includes(raw as T)) throw new Error(`must be one of ${values.join(', ')}, got "${raw}"`);
    return raw as T;
  };

const url =
  (...protocols: string[]): Parser<string> =>
  (raw) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new Error('is not a valid URL');
    }
    if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
      throw new Error(`must use ${protocols.map((p) => `${p}://`).join(' or ')}, got ${parsed.protocol}//`);
    }
    return raw.replace(/\/+$/, '');
  };

/** A comma-separated list of URLs (a node list): each checked like `url`, the list kept as given. */
const urlList =
  (...protocols: string[]): Parser<string> =>
  (raw) => {
    const parts = raw.split(',').map((s) => s.trim()).filter(Boolean);
    if (parts.length === 0) throw new Error('is empty');
    return parts.map((part, i) => {
      try {
        return url(...protocols)(part);
      } catch (err) {
        throw new Error(parts.length > 1 ? `entry ${i + 1}: ${(err as Error).message}` : (err as Error).message);
      }
    }).join(',');
  };

/** The nodes of one RabbitMQ cluster: the entries may differ in host and port only. */
const amqpNodes: Parser<string> = (raw) => {
  const list = urlList('amqp', 'amqps')(raw);
  const same = (u: URL) => `${u.protocol}${u.username}:${u.password}${u.pathname}${u.search}`;
  const urls = list.split(',').map((u) => new URL(u));
  if (urls.some((u) => same(u) !== same(urls[0]!))) throw new Error('entries may differ only in host and port (same scheme, credentials, vhost and options)');
  return list;
};

/** `host:port,host:port,...` (Redis Cluster seed nodes). */
const hostPortList: Parser<{ host: string; port: number }[]> = (raw) => {
  const nodes = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (nodes.length === 0) throw new Error('is empty');
  return nodes.map((node) => {
    const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(node);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) throw new Error(`must be host:port entries separated by commas, got "${node}"`);
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
  });
};

/**
 * A Redis key prefix. Braces are refused: Redis Cluster hashes only what is
 * between the first `{` and the next `}`, and the key layout puts each
 * script's hash tag after the prefix (see src/infra/cache/store.ts).
 */
const keyPrefix: Parser<string> = (raw) => {
  if (/[{}]/.test(raw)) throw new Error('must not contain "{" or "}" (Redis Cluster hash tags follow the prefix)');
  return raw;
};

const identifier: Parser<string> = (raw) => {
  if (!/^[A-Za-z0-9._-]{0,64}$/.test(raw)) throw new Error('may only contain letters, digits, ".", "_" and "-" (at most 64)');
  return raw;
};

const list: Parser<string[]> = (raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const bool: Parser<boolean> = (raw) => {
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new Error(`must be true or false, got "${raw}"`);
};

const secret =
  (minLength: number): Parser<string> =>
  (raw) => {
    if (raw.length < minLength) throw new Error(`must be at least ${minLength} characters`);
    return raw;
  };

/** The whole configuration surface. `.env.example` is generated from `doc`. */
export const variables = {
  NODE_ENV: { parse: oneOf('development', 'test', 'production'), default: 'development', doc: 'development | test | production; production refuses embedded adapters' },
  PORT: { parse: int(0, 65535), default: 8000, doc: 'HTTP port of the API' },
  HOST: { parse: str, default: '0.0.0.0', doc: 'Interface the API listens on' },
  LOG_LEVEL: { parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), default: 'info', doc: 'pino log level' },
  LOG_SYNC: { parse: bool, default: true, doc: 'Write each log line to stdout synchronously, one write per line: every line is out before the next statement runs, so even a SIGKILL loses none. false: lines are buffered and written in batches (pino\'s asynchronous destination), flushed on shutdown, on a fatal error and at exit; a SIGKILL or a crash of the runtime itself loses the last LOG_FLUSH_INTERVAL_MS of lines. Default true: batching measured no cheaper per request (docs/performance.md)' },
  LOG_BUFFER_BYTES: { parse: int(0, 16_000), default: 4_096, doc: 'Asynchronous logging: lines are held until this many bytes are waiting (or LOG_FLUSH_INTERVAL_MS passes), then written in one call; 0 = write as soon as the previous write is done' },
  LOG_FLUSH_INTERVAL_MS: { parse: int(10, 10_000), default: 100, doc: 'Asynchronous logging: waiting lines are written at least this often, however few' },
  DATA_DIR: { parse: str, default: './data', doc: 'Embedded mode: PGlite database, local signing key and .eml mail live here' },
  DATABASE_URL: { parse: url('postgres', 'postgresql'), example: 'postgres://tempus@127.0.0.1:5432/tempus', doc: 'PostgreSQL URL; unset = embedded PGlite under DATA_DIR' },
  DATABASE_DIRECT_URL: { parse: url('postgres', 'postgresql'), example: 'postgres://tempus@db-primary:5432/tempus', doc: 'PostgreSQL itself, for what needs a session: the migrations\' advisory lock and the outbox LISTEN. Set it when DATABASE_URL points at PgBouncer in transaction mode; unset = DATABASE_URL' },
  DATABASE_READ_URL: { parse: url('postgres', 'postgresql'), example: 'postgres://tempus@db-replica:5432/tempus', doc: 'A streaming replica (hot standby) for availability, doctor lists and public pages; unset = every read on DATABASE_URL. Reads a write depends on, reads that name a patient (they record access events) and a user\'s reads right after their own writes stay on the primary' },
  DATABASE_READ_MAX_LAG_SECONDS: { parse: int(1, 3_600), default: 5, doc: 'A replica further behind than this is not read from (reads fall back to the primary until it catches up)' },
  DATABASE_READ_CHECK_INTERVAL_MS: { parse: int(100, 60_000), default: 1_000, doc: 'How often each process measures the replica\'s lag (pg_last_wal_replay_lsn against the primary\'s pg_current_wal_lsn)' },
  DB_PREPARED_READS: { parse: bool, example: 'true', doc: 'Keep one-statement tenant reads (availability) as prepared statements on each connection: planned once per connection instead of on every request, still one round trip. Unset = on, unless DATABASE_DIRECT_URL is set and differs from DATABASE_URL: that is the sign of PgBouncer in transaction mode, where a statement prepared on one server connection is missing on the next (the reads still answer, but pay two or three round trips). Set true when the pooler keeps prepared statements (session mode, or one that tracks SQL-level PREPARE)' },
  DB_POOL_MAX: { parse: int(1, 200), default: 10, doc: 'Connections in this process\'s pool, and in its replica pool (keep N processes x this under max_connections, or under PgBouncer\'s max_client_conn)' },
  DB_STATEMENT_TIMEOUT_MS: { parse: int(100, 600_000), default: 10_000, doc: 'statement_timeout for every pooled connection (a startup parameter; behind PgBouncer set it on the role, see docs/operations.md)' },
  DB_CONNECT_TIMEOUT_SECONDS: { parse: int(1, 3600), default: 60, doc: 'How long start-up keeps retrying an unreachable database' },
  MIGRATE_ON_START: { parse: bool, default: true, doc: 'Run migrations (under an advisory lock) when the API or worker starts' },
  SUPABASE_URL: { parse: url('http', 'https'), example: 'https://your-project.supabase.co', doc: 'Supabase project URL; tokens are verified against its JWKS (ES256/RS256)' },
  SUPABASE_JWT_SECRET: { parse: secret(32), doc: 'Legacy HS256 JWT secret of the Supabase project (optional with SUPABASE_URL)' },
  JWT_AUDIENCE: { parse: str, default: 'authenticated', doc: 'Required aud claim' },
  JWT_CLOCK_TOLERANCE_SECONDS: { parse: int(0, 300), default: 5, doc: 'Clock skew accepted on exp/nbf' },
  CORS_ORIGINS: { parse: list, default: [] as string[], doc: 'Comma-separated browser origins allowed by CORS; empty = none' },
  BODY_LIMIT_BYTES: { parse: int(1024, 10 * 1024 * 1024), default: 1024 * 1024, doc: 'Largest accepted request body' },
  TRUST_PROXY: { parse: bool, default: false, doc: 'Trust X-Forwarded-* (set behind a load balancer)' },
  METRICS_TOKEN: { parse: secret(16), doc: 'If set, GET /metrics requires "Authorization: Bearer <token>"' },
  SERVER_SECRET: { parse: secret(32), doc: 'HMAC key for OTP hashes and signed tokens; required in production, derived per data dir when embedded' },
  REDIS_URL: { parse: url('redis', 'rediss'), example: 'redis://127.0.0.1:6379', doc: 'Redis URL (cache, OTP, rate limits); unset = in-process store (embedded mode, one process only)' },
  REDIS_CLUSTER_NODES: { parse: hostPortList, example: '10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379', doc: 'Redis Cluster seed nodes (host:port, comma separated) instead of REDIS_URL; the rest of the cluster is discovered' },
  REDIS_KEY_PREFIX: { parse: keyPrefix, default: 'tempus:', doc: 'Prefix of every Redis key this deployment writes' },
  REDIS_COMMAND_TIMEOUT_MS: { parse: int(10, 60_000), default: 500, doc: 'A Redis command without a reply after this long fails (and counts towards the circuit breaker)' },
  REDIS_CONNECT_TIMEOUT_MS: { parse: int(100, 60_000), default: 3_000, doc: 'How long start-up waits for Redis before carrying on degraded, and the TCP connect timeout' },
  REDIS_RECONNECT_MAX_DELAY_MS: { parse: int(10, 60_000), default: 2_000, doc: 'Upper bound of the (exponential, jittered) delay between reconnection attempts' },
  REDIS_RETRY_ATTEMPTS: { parse: int(0, 10), default: 1, doc: 'Retries of an idempotent Redis command (exponential backoff with jitter) before it counts as failed' },
  REDIS_BREAKER_THRESHOLD: { parse: int(1, 1000), default: 5, doc: 'Consecutive Redis failures that open the circuit breaker' },
  REDIS_BREAKER_HALF_OPEN_MS: { parse: int(10, 600_000), default: 5_000, doc: 'How long the breaker stays open before one trial command (half-open) may close it' },
  AUTH_TOKEN_CACHE_SECONDS: { parse: int(0, 3_600), default: 60, doc: 'Seconds a verified bearer token is remembered per process (never past its exp); 0 = verify the signature on every request' },
  IDENTITY_CACHE_TTL_SECONDS: { parse: int(0, 3_600), default: 30, doc: 'Seconds a member\'s hospital/role lookup is cached in the shared cache (removal and admin grant/revoke invalidate it at once); 0 = query PostgreSQL on every request' },
  CACHE_LOCAL_MAX_ENTRIES: { parse: int(0, 1_000_000), default: 10_000, doc: 'Most identities and hospitals each API process also keeps in memory in front of Redis (invalidated through Redis pub/sub, exact across processes; single Redis only, not Cluster); 0 = every lookup asks Redis' },
  CACHE_HOSPITAL_TTL_SECONDS: { parse: int(1, 86_400 * 7), default: 3_600, doc: 'Time to live of a cached hospital (GET /v1/hospitals/me)' },
  OTP_TTL_SECONDS: { parse: int(1, 3_600), default: 300, doc: 'How long a one-time code stays valid' },
  OTP_MAX_ATTEMPTS: { parse: int(1, 20), default: 3, doc: 'Wrong guesses that burn a one-time code' },
  OTP_REQUEST_MAX: { parse: int(1, 100), default: 3, doc: 'One-time codes a hospital may request per OTP_REQUEST_WINDOW_SECONDS' },
  OTP_REQUEST_WINDOW_SECONDS: { parse: int(1, 86_400), default: 900, doc: 'Sliding window of OTP_REQUEST_MAX' },
  OTP_REQUEST_INTERVAL_SECONDS: { parse: int(0, 3_600), default: 60, doc: 'Minimum gap between two one-time code requests of a hospital' },
  RATE_LIMIT_ENABLED: { parse: bool, default: true, doc: 'API rate limiting (per user when signed in, per IP otherwise)' },
  RATE_LIMIT_MAX: { parse: int(1, 1_000_000_000), default: 300, doc: 'Requests per RATE_LIMIT_WINDOW_SECONDS per signed-in user (or per IP when anonymous)' },
  RATE_LIMIT_PUBLIC_MAX: { parse: int(1, 1_000_000_000), default: 60, doc: 'Requests per RATE_LIMIT_WINDOW_SECONDS per IP on the public routes (/v1/public/*)' },
  RATE_LIMIT_WINDOW_SECONDS: { parse: int(1, 86_400), default: 60, doc: 'Rate-limit window' },
  PUBLIC_BASE_URL: { parse: url('http', 'https'), default: 'http://localhost:8000', doc: 'The address patients, integrators and directories reach Tempus at: calendar feed URLs, patients\' manage links, FHIR Bundle links, the $bulk-publish manifest and booking deep links are built on it' },
  FHIR_PAGE_SIZE: { parse: int(1, 1_000), default: 50, doc: 'Entries per FHIR searchset page when _count is not given' },
  FHIR_MAX_PAGE_SIZE: { parse: int(1, 1_000), default: 200, doc: 'Largest _count a FHIR search accepts (larger values are lowered to it)' },
  PUBLISH_CACHE_TTL_SECONDS: { parse: int(1, 3_600), default: 60, doc: 'How long a hospital\'s $bulk-publish data set (Location, Schedule and free Slot files) is cached; any booking change invalidates it at once' },
  CACHE_PLANS_TTL_SECONDS: { parse: int(1, 86_400 * 7), default: 86_400, doc: 'Time to live of the cached public plan list (GET /v1/plans); invalidated on every plan change' },
  HOLD_MINUTES: { parse: int(1, 120), default: 10, doc: 'How long a slot held on the public booking page (POST /v1/public/hospitals/:subdomain/holds) stays taken before it is free again' },
  INVITATION_TTL_HOURS: { parse: int(1, 24 * 90), default: 168, doc: 'How long an emailed member invitation can be accepted (hours; default 7 days)' },
  SUBSCRIPTION_GRACE_DAYS: { parse: int(0, 365), default: 14, doc: 'Days a past_due subscription waits after its period end before the scheduled task cancels it' },
  IDEMPOTENCY_TTL_HOURS: { parse: int(1, 24 * 30), default: 24, doc: 'How long an Idempotency-Key replays its first response (POST /v1/appointments); older records count as unused' },
  RABBITMQ_URL: { parse: amqpNodes, example: 'amqp://guest:guest@127.0.0.1:5672', doc: 'RabbitMQ URL, or the nodes of a cluster as a comma-separated list (credentials and vhost of the first; reconnects go to the next node); the worker relays the outbox to it and consumes the queues. Unset = in-process delivery from the outbox (embedded mode)' },
  RABBITMQ_PREFIX: { parse: identifier, default: '', doc: 'Prefix of every exchange and queue name (several deployments or test runs on one broker)' },
  RABBITMQ_RECONNECT_MAX_DELAY_MS: { parse: int(100, 300_000), default: 10_000, doc: 'Upper bound of the exponential delay between RabbitMQ reconnection attempts' },
  QUEUE_CONCURRENCY: { parse: int(1, 100), default: 5, doc: 'Messages one worker handles at once per queue (RabbitMQ prefetch is twice this); the email queue has EMAIL_QUEUE_CONCURRENCY' },
  SMTP_URL: { parse: url('smtp', 'smtps'), example: 'smtp://user:password@smtp.example.com:587', doc: 'SMTP server for outgoing email; unset = each email is written as an .eml file under DATA_DIR/mail' },
  SMTP_TIMEOUT_MS: { parse: int(100, 600_000), default: 30_000, doc: 'Connect, greeting and socket timeout of an SMTP session (a timeout is a transient failure, retried)' },
  SMTP_POOL_SIZE: { parse: int(1, 50), default: 5, doc: 'Pooled SMTP connections per process' },
  EMAIL_QUEUE_CONCURRENCY: { parse: int(1, 200), example: '20', doc: 'Messages one worker handles at once on the email queue (prefetch twice this); unset = 4 × SMTP_POOL_SIZE, so each SMTP connection has its next email ready while others wait on their claim or record' },
  MAIL_FROM: { parse: str, default: 'Tempus <no-reply@tempus.local>', doc: 'From address of every email' },
  SMS_PROVIDER_URL: { parse: url('http', 'https'), default: 'https://api.twilio.com', doc: 'Base URL of the SMS provider (Twilio Messages API shape: POST {base}/2010-04-01/Accounts/{sid}/Messages.json)' },
  SMS_ACCOUNT_SID: { parse: str, doc: 'SMS provider account sid; unset = SMS are written to the log instead of sent' },
  SMS_AUTH_TOKEN: { parse: str, doc: 'SMS provider auth token (HTTP basic auth with the account sid)' },
  SMS_FROM: { parse: str, example: '+15005550006', doc: 'Sender number (E.164) or sender id of SMS' },
  SMS_TIMEOUT_MS: { parse: int(100, 120_000), default: 10_000, doc: 'Timeout of one SMS provider request (a timeout is a transient failure, retried)' },
  DELIVERY_MAX_ATTEMPTS: { parse: int(1, 100), default: 8, doc: 'Attempts of a message (email, SMS, task) before it is dead-lettered; permanent failures are dead at once' },
  DELIVERY_BACKOFF_BASE_MS: { parse: int(1, 3_600_000), default: 30_000, doc: 'Retry n waits a random time in [0, min(max, base * 2^(n-1))] (exponential backoff, full jitter)' },
  DELIVERY_BACKOFF_MAX_MS: { parse: int(1, 86_400_000), default: 3_600_000, doc: 'Cap of the retry backoff' },
  DELIVERY_LEASE_MS: { parse: int(100, 3_600_000), default: 120_000, doc: 'How long a claim on a message lasts without renewal: a live worker renews it every third of this while it sends, so this bounds how long a crashed worker\'s messages wait before another worker takes them over' },
  RELAY_POLL_INTERVAL_MS: { parse: int(10, 600_000), default: 1_000, doc: 'The outbox relay polls at least this often (LISTEN/NOTIFY wakes it at once for new messages)' },
  RELAY_BATCH_SIZE: { parse: int(1, 1_000), default: 100, doc: 'Outbox rows the relay publishes per transaction' },
  EMAIL_PER_RECIPIENT_PER_HOUR: { parse: int(1, 1_000_000), default: 20, doc: 'Emails one address receives per sliding hour; the excess waits for the window, it is never dropped' },
  OUTBOX_RETENTION_DAYS: { parse: int(1, 3_650), default: 7, doc: 'Published outbox rows older than this are deleted by a scheduled task' },
  SCHEDULER_INTERVAL_MS: { parse: int(100, 3_600_000), default: 15_000, doc: 'How often a worker checks for scheduled tasks that are due' },
  WEBHOOK_ALLOW_PRIVATE: { parse: bool, default: false, doc: 'Allow webhook URLs that resolve to loopback, private, link-local, CGNAT or metadata addresses (tests and closed networks only)' },
  WEBHOOK_TIMEOUT_MS: { parse: int(100, 60_000), default: 10_000, doc: 'Timeout of one webhook request (connect to last byte read); a timeout is retried' },
  WEBHOOK_MAX_ATTEMPTS: { parse: int(1, 100), default: 16, doc: 'Attempts of one webhook delivery before it is dead (retries follow DELIVERY_BACKOFF_BASE_MS and WEBHOOK_BACKOFF_MAX_MS)' },
  WEBHOOK_BACKOFF_MAX_MS: { parse: int(1, 86_400_000), default: 21_600_000, doc: 'Cap of the webhook retry backoff (exponential, full jitter): the default 16 attempts span about a day' },
  WEBHOOK_DISABLE_AFTER_HOURS: { parse: int(1, 24 * 365), default: 72, doc: 'An endpoint whose every attempt has failed for this long is disabled and the hospital owners are emailed' },
  WEBHOOK_ROTATION_WINDOW_HOURS: { parse: int(0, 24 * 30), default: 24, doc: 'After a secret rotation the previous secret keeps signing (a second v1 signature) for this long' },
  ACCESS_LOG_RETENTION_DAYS: { parse: int(30, 36_500), default: 2_190, doc: 'Access events (who saw which patient) older than this are deleted by the retention task (default six years, HIPAA accounting of disclosures)' },
  DELIVERY_BODY_RETENTION_DAYS: { parse: int(1, 3_650), default: 30, doc: 'Dead-lettered email and SMS bodies (addresses, names, times) are blanked after this many days; replaying such a letter then fails' },
  CLINICAL_RETENTION_YEARS: { parse: int(1, 100), default: 10, doc: 'How long visit notes and past appointments are kept after erasure (clinical records retention); Tempus never deletes them itself and reports the date in the erasure' },
} satisfies Record<string, VarSpec<unknown>>;

type Vars = typeof variables;
type ValueOf<K extends keyof Vars> = ReturnType<Vars[K]['parse']>;
type WithDefault = { [K in keyof Vars]: Vars[K] extends { default: unknown } ? K : never }[keyof Vars];

export type Env = { readonly [K in WithDefault]: ValueOf<K> } & {
  readonly [K in Exclude<keyof Vars, WithDefault>]?: ValueOf<K>;
};

export interface Config {
  readonly env: Env;
  readonly isProduction: boolean;
  /** Which adapters this process uses; each is embedded when its URL is unset. */
  readonly adapters: {
    readonly database: 'postgres' | 'pglite';
    readonly auth: 'supabase' | 'local';
    readonly cache: 'redis' | 'memory';
    readonly queue: 'rabbitmq' | 'inline';
    readonly mail: 'smtp' | 'files';
    readonly sms: 'http' | 'log';
  };
}

/**
 * Emails one worker handles at once: EMAIL_QUEUE_CONCURRENCY, or four per SMTP
 * connection. With only as many in flight as connections, a connection idles
 * whenever its next email still waits on PostgreSQL for its claim or record
 * (docs/performance.md, "Notifications and webhooks: the send path").
 */
export const emailQueueConcurrency = (env: Env): number => env.EMAIL_QUEUE_CONCURRENCY ?? Math.min(200, 4 * env.SMTP_POOL_SIZE);

/** Parses an environment (process.env by default). Throws ConfigError listing every bad variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const env: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(variables) as [string, VarSpec<unknown>][]) {
    const raw = source[name];
    if (raw === undefined || raw === '') {
      if ('default' in spec) env[name] = spec.default;
      continue;
    }
    try {
      env[name] = spec.parse(raw);
    } catch (err) {
      problems.push(`${name} ${(err as Error).message}`);
    }
  }
  const typed = env as unknown as Env;
  const isProduction = typed.NODE_ENV === 'production';
  if (problems.length === 0 && isProduction) {
    if (!typed.DATABASE_URL) problems.push('DATABASE_URL is required when NODE_ENV=production (embedded PGlite is for development only)');
    if (!typed.SUPABASE_URL && !typed.SUPABASE_JWT_SECRET) problems.push('SUPABASE_URL or SUPABASE_JWT_SECRET is required when NODE_ENV=production (the local token issuer is for development only)');
    if (!typed.SERVER_SECRET) problems.push('SERVER_SECRET is required when NODE_ENV=production');
    if (!typed.REDIS_URL && !typed.REDIS_CLUSTER_NODES) problems.push('REDIS_URL (or REDIS_CLUSTER_NODES) is required when NODE_ENV=production (the in-process cache, OTP and rate-limit store cannot be shared between processes)');
    if (!typed.RABBITMQ_URL) problems.push('RABBITMQ_URL is required when NODE_ENV=production (in-process delivery runs only inside the API process)');
    if (!typed.SMTP_URL) problems.push('SMTP_URL is required when NODE_ENV=production (.eml files are for development only)');
  }
  if (problems.length === 0) {
    if (typed.REDIS_URL && typed.REDIS_CLUSTER_NODES) problems.push('set REDIS_URL or REDIS_CLUSTER_NODES, not both');
    for (const name of ['DATABASE_DIRECT_URL', 'DATABASE_READ_URL'] as const) {
      if (typed[name] && !typed.DATABASE_URL) problems.push(`${name} needs DATABASE_URL`);
    }
    if (typed.RABBITMQ_URL && !typed.DATABASE_URL) problems.push('RABBITMQ_URL needs DATABASE_URL: the worker cannot share the API\'s embedded PGlite database');
    if (typed.SMS_ACCOUNT_SID && (!typed.SMS_AUTH_TOKEN || !typed.SMS_FROM)) problems.push('SMS_ACCOUNT_SID needs SMS_AUTH_TOKEN and SMS_FROM');
    if (typed.DELIVERY_BACKOFF_MAX_MS < typed.DELIVERY_BACKOFF_BASE_MS) problems.push('DELIVERY_BACKOFF_MAX_MS must not be below DELIVERY_BACKOFF_BASE_MS');
    if (typed.WEBHOOK_BACKOFF_MAX_MS < typed.DELIVERY_BACKOFF_BASE_MS) problems.push('WEBHOOK_BACKOFF_MAX_MS must not be below DELIVERY_BACKOFF_BASE_MS');
  }
  if (problems.length) throw new ConfigError(problems);
  // A direct URL that differs is how a deployment behind a transaction-mode pooler is configured (see DB_PREPARED_READS).
  if (typed.DB_PREPARED_READS === undefined) env.DB_PREPARED_READS = !(typed.DATABASE_DIRECT_URL && typed.DATABASE_DIRECT_URL !== typed.DATABASE_URL);
  // What needs a session goes to DATABASE_URL itself unless a direct URL is given.
  if (typed.DATABASE_URL && !typed.DATABASE_DIRECT_URL) env.DATABASE_DIRECT_URL = typed.DATABASE_URL;
  return Object.freeze({
    env: Object.freeze(typed),
    isProduction,
    adapters: Object.freeze({
      database: typed.DATABASE_URL ? 'postgres' : 'pglite',
      auth: typed.SUPABASE_URL || typed.SUPABASE_JWT_SECRET ? 'supabase' : 'local',
      cache: typed.REDIS_URL || typed.REDIS_CLUSTER_NODES ? 'redis' : 'memory',
      queue: typed.RABBITMQ_URL ? 'rabbitmq' : 'inline',
      mail: typed.SMTP_URL ? 'smtp' : 'files',
      sms: typed.SMS_ACCOUNT_SID ? 'http' : 'log',
    }),
  });
}
