import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createCache } from './infra/cache/cache-aside.ts';
import { createStore } from './infra/cache/index.ts';
import { identityCacheKey } from './infra/cache/keys.ts';
import { createDatabase, rawRows, type Database } from './infra/db/client.ts';
import { runMigrations } from './infra/db/migrate.ts';
import { DataDirInUseError } from './infra/db/pglite-lock.ts';
import { waitForDatabase } from './infra/db/startup.ts';
import { loadLocalIssuer } from './infra/auth/local-issuer.ts';
import { userIdForEmail } from './infra/auth/user-id.ts';
import { createLogger } from './infra/observability/logger.ts';

const USAGE = `Usage: npm run tempus -- <command>
  migrate                      apply pending database migrations
  token --email <email>        print a token from the local issuer (embedded mode)
  admin grant <userId|email>   make a user a platform admin (super admin)
  admin revoke <userId|email>  remove a platform admin`;
const COMMANDS = 'migrate, token --email <email>, admin grant|revoke <userId|email>';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^@\s]+@[^@\s]+$/;

/** A failure the person at the terminal can fix: said in one line, exit code 1, no stack trace. */
class CliError extends Error {
  override name = 'CliError';
}

function fail(message: string): never {
  throw new CliError(message);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!command) fail(`no command given; commands: ${COMMANDS}`);
  if (command !== 'token' && command !== 'migrate' && command !== 'admin') fail(`unknown command "${command}"; commands: ${COMMANDS}`);
  const config = loadConfig();
  // Retries while the database comes up would be warnings on every attempt; only the outcome is shown.
  const logger = createLogger({ ...config, env: { ...config.env, LOG_LEVEL: 'error' } });

  if (command === 'token') {
    let values: { email?: string; 'expires-in'?: string };
    try {
      ({ values } = parseArgs({ args: rest, options: { email: { type: 'string' }, 'expires-in': { type: 'string' } }, strict: true, allowPositionals: false }));
    } catch (err) {
      // node:util's own words (unknown option, missing value), in one line.
      return fail(`${(err as Error).message.replace(/\s*\n\s*/g, ' ').replace(/\.$/, '')}; token takes --email <email> [--expires-in <seconds>]`);
    }
    if (!values.email || !EMAIL.test(values.email)) fail('token needs --email someone@example.com');
    if (config.adapters.auth !== 'local') fail('SUPABASE_URL or SUPABASE_JWT_SECRET is set: tokens come from Supabase Auth, not the local issuer');
    const expiresInSeconds = values['expires-in'] ? Number(values['expires-in']) : 24 * 3600;
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds <= 0) fail('--expires-in must be a positive number of seconds');
    const issuer = await loadLocalIssuer(config.env.DATA_DIR, config.env.JWT_AUDIENCE);
    const email = values.email.toLowerCase();
    process.stderr.write(`user id: ${userIdForEmail(email)}  email: ${email}  valid for ${expiresInSeconds}s\n`);
    process.stdout.write(`${await issuer.sign({ email, expiresInSeconds })}\n`);
    return;
  }

  const [action, who, ...extra] = rest;
  if (command === 'migrate' && rest.length) fail(`migrate takes no arguments (got "${rest.join(' ')}")`);
  if (command === 'admin' && (action !== 'grant' && action !== 'revoke')) fail(`admin needs grant or revoke, e.g. npm run tempus -- admin grant <userId|email>`);
  if (command === 'admin' && (!who || extra.length)) fail(`admin ${action} needs exactly one user id (UUID) or email`);
  if (command === 'admin' && !UUID.test(who!) && !EMAIL.test(who!)) fail(`"${who}" is neither a user id (UUID) nor an email`);

  const database = createDatabase(config, logger);
  try {
    await waitForDatabase(database, logger, config.env.DB_CONNECT_TIMEOUT_SECONDS);
    await runMigrations(database, config.env.DATABASE_DIRECT_URL);
    if (command === 'migrate') {
      process.stdout.write('migrations applied\n');
      return;
    }
    const userId = await resolveUser(database, config, who!);
    await changePlatformAdmin(database, config, logger, action as 'grant' | 'revoke', userId);
  } finally {
    await database.close();
  }
}

/**
 * A user id as given, or the id behind an email: a member's (any mode), else
 * the local issuer's derived id (embedded auth, whose ids come from emails).
 * With Supabase Auth an email nobody in Tempus has is an unknown user: its id
 * lives in Supabase (auth.users.id), and guessing one would grant nobody.
 */
async function resolveUser(database: Database, config: Config, who: string): Promise<string> {
  if (UUID.test(who)) return who.toLowerCase();
  const email = who.trim().toLowerCase();
  const [member] = await rawRows<{ user_id: string }>(database.db, sql`select user_id from hospital_members where email = ${email} limit 1`);
  if (member) return member.user_id;
  if (config.adapters.auth === 'local') return userIdForEmail(email);
  return fail(`unknown user ${email}: no hospital member has that email; pass the user's id (Supabase auth.users.id) instead`);
}

async function changePlatformAdmin(database: Database, config: Config, logger: ReturnType<typeof createLogger>, action: 'grant' | 'revoke', userId: string) {
  if (action === 'grant') {
    await database.db.execute(sql`insert into platform_admins (user_id) values (${userId}) on conflict do nothing`);
    process.stdout.write(`${userId} is a platform admin\n`);
  } else {
    const removed = await rawRows<{ user_id: string }>(database.db, sql`delete from platform_admins where user_id = ${userId} returning user_id`);
    if (removed.length === 0) fail(`${userId} is not a platform admin; nothing to revoke`);
    process.stdout.write(`${userId} is no longer a platform admin\n`);
  }
  // API processes cache identities (IDENTITY_CACHE_TTL_SECONDS): make the change visible now.
  // Embedded mode has no shared cache to reach; its processes pick the change up within the TTL.
  if (config.adapters.cache === 'redis') {
    const store = await createStore(config, logger);
    try {
      await createCache(store, { logger }).invalidate(identityCacheKey(userId));
    } finally {
      await store.close();
    }
  }
}

/** Expected failures are one line on stderr; anything else too, with its stack only when LOG_LEVEL=debug. */
function report(err: unknown): string {
  if (err instanceof ConfigError) return `Configuration error: ${err.problems.join('; ')}`;
  if (err instanceof CliError || err instanceof DataDirInUseError) return err.message;
  const message = err instanceof Error ? err.message : String(err);
  if (process.env.LOG_LEVEL === 'debug' && err instanceof Error && err.stack) return err.stack;
  return `${message.split('\n')[0]} (LOG_LEVEL=debug shows where)`;
}

try {
  await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${report(err)}\n`);
  process.exit(1);
}
