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
  DATA_DIR: { parse: str, default: './data', doc: 'Embedded mode: PGlite database, local signing key and .eml mail live here' },
  DATABASE_URL: { parse: url('postgres', 'postgresql'), doc: 'PostgreSQL URL; unset = embedded PGlite under DATA_DIR' },
  DB_POOL_MAX: { parse: int(1, 200), default: 10, doc: 'Connections in this process\'s pool (keep N processes x this under max_connections)' },
  DB_STATEMENT_TIMEOUT_MS: { parse: int(100, 600_000), default: 10_000, doc: 'statement_timeout for every pooled connection' },
  DB_CONNECT_TIMEOUT_SECONDS: { parse: int(1, 3600), default: 60, doc: 'How long start-up keeps retrying an unreachable database' },
  MIGRATE_ON_START: { parse: bool, default: true, doc: 'Run migrations (under an advisory lock) when the API or worker starts' },
  SUPABASE_URL: { parse: url('http', 'https'), doc: 'Supabase project URL; tokens are verified against its JWKS (ES256/RS256)' },
  SUPABASE_JWT_SECRET: { parse: secret(32), doc: 'Legacy HS256 JWT secret of the Supabase project (optional with SUPABASE_URL)' },
  JWT_AUDIENCE: { parse: str, default: 'authenticated', doc: 'Required aud claim' },
  JWT_CLOCK_TOLERANCE_SECONDS: { parse: int(0, 300), default: 5, doc: 'Clock skew accepted on exp/nbf' },
  CORS_ORIGINS: { parse: list, default: [] as string[], doc: 'Comma-separated browser origins allowed by CORS; empty = none' },
  BODY_LIMIT_BYTES: { parse: int(1024, 10 * 1024 * 1024), default: 1024 * 1024, doc: 'Largest accepted request body' },
  TRUST_PROXY: { parse: bool, default: false, doc: 'Trust X-Forwarded-* (set behind a load balancer)' },
  SERVER_SECRET: { parse: secret(32), doc: 'HMAC key for OTP hashes and signed tokens; required in production, derived per data dir when embedded' },
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
  };
}

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
  }
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze({
    env: Object.freeze(typed),
    isProduction,
    adapters: Object.freeze({
      database: typed.DATABASE_URL ? 'postgres' : 'pglite',
      auth: typed.SUPABASE_URL || typed.SUPABASE_JWT_SECRET ? 'supabase' : 'local',
    }),
  });
}
