import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { createCache } from './infra/cache/cache-aside.ts';
import { createStore } from './infra/cache/index.ts';
import { identityCacheKey } from './infra/cache/keys.ts';
import { createDatabase } from './infra/db/client.ts';
import { runMigrations } from './infra/db/migrate.ts';
import { waitForDatabase } from './infra/db/startup.ts';
import { loadLocalIssuer } from './infra/auth/local-issuer.ts';
import { userIdForEmail } from './infra/auth/user-id.ts';
import { createLogger } from './infra/observability/logger.ts';
import { startupConfig } from './startup-config.ts';

const USAGE = `Usage: npm run tempus -- <command>
  migrate                      apply pending database migrations
  token --email <email>        print a token from the local issuer (embedded mode)
  admin grant <userId|email>   make a user a platform admin (super admin)
  admin revoke <userId|email>  remove a platform admin`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  const config = startupConfig();
  const logger = createLogger({ ...config, env: { ...config.env, LOG_LEVEL: 'warn' } });
  const [command, ...rest] = argv;

  if (command === 'token') {
    const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, 'expires-in': { type: 'string' } } });
    if (!values.email || !/^[^@\s]+@[^@\s]+$/.test(values.email)) fail('token needs --email someone@example.com');
    if (config.adapters.auth !== 'local') fail('SUPABASE_URL or SUPABASE_JWT_SECRET is set: tokens come from Supabase Auth, not the local issuer');
    const issuer = await loadLocalIssuer(config.env.DATA_DIR, config.env.JWT_AUDIENCE);
    const expiresInSeconds = values['expires-in'] ? Number(values['expires-in']) : 24 * 3600;
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds <= 0) fail('--expires-in must be a positive number of seconds');
    const email = values.email.toLowerCase();
    process.stderr.write(`user id: ${userIdForEmail(email)}  email: ${email}  valid for ${expiresInSeconds}s\n`);
    process.stdout.write(`${await issuer.sign({ email, expiresInSeconds })}\n`);
    return;
  }

  if (command !== 'migrate' && command !== 'admin') fail(USAGE);
  const database = createDatabase(config, logger);
  try {
    await waitForDatabase(database, logger, config.env.DB_CONNECT_TIMEOUT_SECONDS);
    await runMigrations(database, config.env.DATABASE_DIRECT_URL);
    if (command === 'migrate') {
      process.stdout.write('migrations applied\n');
      return;
    }
    const [action, who] = rest;
    if ((action !== 'grant' && action !== 'revoke') || !who) fail(USAGE);
    // An email is accepted for the embedded issuer, whose ids derive from emails.
    const userId = UUID.test(who) ? who.toLowerCase() : who.includes('@') ? userIdForEmail(who) : fail(`"${who}" is neither a user id (UUID) nor an email`);
    await changePlatformAdmin(action, userId);
  } finally {
    await database.close();
  }

  async function changePlatformAdmin(action: 'grant' | 'revoke', userId: string) {
    if (action === 'grant') {
      await database.db.execute(sql`insert into platform_admins (user_id) values (${userId}) on conflict do nothing`);
      process.stdout.write(`${userId} is a platform admin\n`);
    } else {
      await database.db.execute(sql`delete from platform_admins where user_id = ${userId}`);
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
}

await main(process.argv.slice(2));
