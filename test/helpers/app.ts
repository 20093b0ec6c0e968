import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { inject } from 'vitest';
import { buildApp, type BuildAppOptions } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { createDeps, type Deps } from '../../src/deps.ts';
import { createLogger } from '../../src/infra/observability/logger.ts';
import { startSupabasePeer, type SupabasePeer } from './supabase-peer.ts';
import { onServices, serviceUrls } from './target.ts';

export interface TestApp {
  app: FastifyInstance;
  deps: Deps;
  config: Config;
  dataDir: string;
  /** A valid bearer token for this email (same email, same user id). */
  tokenFor(email: string): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string | undefined>;
  /** Reuse a data directory (embedded restarts) instead of a fresh one. */
  dataDir?: string;
  /** Share one Supabase peer between several apps (multi-instance tests). */
  supabase?: SupabasePeer;
  /** Passed to buildApp (e.g. onRoute, which the role-matrix test lists routes with). */
  build?: BuildAppOptions;
  /** Where the app's logs go (the production logger's options, redaction included); nowhere by default. */
  logDestination?: DestinationStream;
}

/**
 * Builds the real app against this project's target: embedded adapters in a
 * fresh temporary data directory, or the real services with tokens from a
 * local Supabase peer (JWKS over HTTP).
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  let dataDir = options.dataDir;
  if (!dataDir) {
    dataDir = mkdtempSync(path.join(tmpdir(), 'tempus-test-'));
    // Start from the migrated cluster built once by test/global-setup.ts.
    if (!onServices) cpSync(inject('pgliteTemplate'), path.join(dataDir, 'pglite'), { recursive: true });
  }
  let ownPeer: SupabasePeer | undefined;
  let peer = options.supabase;
  if (onServices && !peer) peer = ownPeer = await startSupabasePeer();
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: dataDir,
    ...(onServices ? serviceUrls() : {}),
    // Each app its own Redis key space (suites run in parallel on one Redis) and
    // limits no ordinary suite reaches; rate-limit tests set their own.
    REDIS_KEY_PREFIX: `tempus-test-${randomBytes(4).toString('hex')}:`,
    RATE_LIMIT_MAX: '100000',
    RATE_LIMIT_PUBLIC_MAX: '100000',
    ...(peer ? { SUPABASE_URL: peer.url, SUPABASE_JWT_SECRET: peer.hsSecret } : {}),
    ...options.env,
  };
  const config = loadConfig(env);
  const logger = createLogger(config, 'tempus-test', options.logDestination);
  const deps = await createDeps(config, logger);
  const app = await buildApp(deps, options.build);
  await app.ready();
  return {
    app,
    deps,
    config,
    dataDir,
    tokenFor: (email) => (peer ? peer.sign({ email }) : deps.auth.localIssuer!.sign({ email })),
    async close() {
      await app.close();
      await deps.close();
      await ownPeer?.close();
    },
  };
}
