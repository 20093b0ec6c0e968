import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../src/config.ts';
import { createDatabase } from '../src/infra/db/client.ts';
import { runMigrations } from '../src/infra/db/migrate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}

/**
 * Creating a PGlite cluster (initdb + migrations) takes seconds; copying a
 * finished one takes milliseconds. Build one migrated cluster per run and
 * let every embedded test app start from a copy of it.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tempus-pglite-template-'));
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
  const database = createDatabase(config, pino({ level: 'silent' }));
  await runMigrations(database);
  await database.close();
  project.provide('pgliteTemplate', path.join(dir, 'pglite'));
  return () => rmSync(dir, { recursive: true, force: true });
}
