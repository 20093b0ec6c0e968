import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, emailQueueConcurrency, loadConfig, variables } from '../../src/config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
}

describe('configuration', () => {
  it('defaults to embedded adapters on port 8000', () => {
    const config = loadConfig({});
    expect(config.env.PORT).toBe(8000);
    expect(config.adapters).toMatchObject({ database: 'pglite', auth: 'local' });
  });

  it('names each bad variable in one line', () => {
    expect(problemsOf({ PORT: 'abc' })).toEqual(['PORT must be an integer, got "abc"']);
    expect(problemsOf({ DATABASE_URL: 'not a url' })).toEqual(['DATABASE_URL is not a valid URL']);
    expect(problemsOf({ DATABASE_URL: 'mysql://x/y' })[0]).toMatch(/^DATABASE_URL must use postgres/);
    expect(problemsOf({ PORT: '70000', LOG_LEVEL: 'loud' })).toHaveLength(2);
  });

  it('refuses embedded adapters in production and says why', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems.join('\n')).toMatch(/DATABASE_URL is required when NODE_ENV=production/);
    expect(problems.join('\n')).toMatch(/SUPABASE_URL or SUPABASE_JWT_SECRET is required/);
  });

  it('keeps four emails in flight per SMTP connection unless told otherwise', () => {
    expect(emailQueueConcurrency(loadConfig({}).env)).toBe(20);
    expect(emailQueueConcurrency(loadConfig({ SMTP_POOL_SIZE: '2' }).env)).toBe(8);
    expect(emailQueueConcurrency(loadConfig({ SMTP_POOL_SIZE: '50' }).env)).toBe(200);
    expect(emailQueueConcurrency(loadConfig({ SMTP_POOL_SIZE: '2', EMAIL_QUEUE_CONCURRENCY: '3' }).env)).toBe(3);
    expect(problemsOf({ EMAIL_QUEUE_CONCURRENCY: '0' })).toEqual(['EMAIL_QUEUE_CONCURRENCY must be between 1 and 200, got 0']);
  });

  it('keeps tenant reads prepared unless a differing DATABASE_DIRECT_URL says a transaction-mode pooler is in front', () => {
    const db = 'postgres://tempus@db:5432/tempus';
    const bouncer = 'postgres://tempus@pgbouncer:6432/tempus';
    expect(loadConfig({ DATABASE_URL: db }).env.DB_PREPARED_READS).toBe(true);
    expect(loadConfig({ DATABASE_URL: db, DATABASE_DIRECT_URL: db }).env.DB_PREPARED_READS).toBe(true);
    expect(loadConfig({ DATABASE_URL: bouncer, DATABASE_DIRECT_URL: db }).env.DB_PREPARED_READS).toBe(false);
    expect(loadConfig({ DATABASE_URL: bouncer, DATABASE_DIRECT_URL: db, DB_PREPARED_READS: 'true' }).env.DB_PREPARED_READS).toBe(true);
    expect(loadConfig({ DATABASE_URL: db, DB_PREPARED_READS: 'false' }).env.DB_PREPARED_READS).toBe(false);
  });

  it('lists every variable in .env.example', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    for (const name of Object.keys(variables)) expect(example, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });

  it('stops the server with exit code 1 and one clear line, no stack trace', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, PORT: 'abc', DATABASE_URL: '' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('Configuration error: PORT must be an integer, got "abc"');
  });
});
