/**
 * The CLI as a person runs it (`npm run tempus -- ...`, `npm run token -- ...`,
 * each a real process): an expected failure — bad arguments, an embedded
 * database held by another process, an unknown user, production mode without
 * what it needs — is one line on stderr and exit code 1, never a stack trace.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { decodeJwt } from 'jose';
import { userIdForEmail } from '../../src/infra/auth/user-id.ts';
import { uniqueEmail } from '../helpers/factories.ts';
import { onServices, serviceUrls } from '../helpers/target.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** What the environment may say about the adapters: every run below says it itself. */
const ADAPTER_VARS = ['DATABASE_URL', 'REDIS_URL', 'RABBITMQ_URL', 'SMTP_URL', 'SUPABASE_URL', 'SUPABASE_JWT_SECRET', 'SERVER_SECRET', 'NODE_ENV', 'LOG_LEVEL'];

/** Embedded adapters whatever the target (the data directory's own database, key and lock). */
const EMBEDDED = { DATABASE_URL: '', REDIS_URL: '', RABBITMQ_URL: '' };

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'tempus-cli-'));
  // A migrated embedded database to start from (as the test apps do), so each run does not build one.
  cpSync(inject('pgliteTemplate'), path.join(dataDir, 'pglite'), { recursive: true });
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string[];
  stderr: string[];
}

/** `npm run <script> -- ...args`; npm's own banner ("> tempus@... tempus") is dropped from stdout. */
function npmRun(script: 'tempus' | 'token', args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !ADAPTER_VARS.includes(k)));
  const target = onServices ? serviceUrls() : {};
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', script, '--', ...args],
      { cwd: ROOT, env: { ...base, ...target, DATA_DIR: dataDir, DB_CONNECT_TIMEOUT_SECONDS: '10', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');
        resolve({
          code: err ? Number((err as { code?: number }).code ?? 1) : 0,
          stdout: lines(stdout).filter((l) => !l.startsWith('> ')),
          stderr: lines(stderr),
        });
      },
    );
  });
}

function expectOneLineFailure(run: Run, pattern: RegExp) {
  expect(run.code, run.stderr.join('\n')).toBe(1);
  expect(run.stderr, 'exactly one line on stderr').toHaveLength(1);
  expect(run.stderr[0]).toMatch(pattern);
  expect([...run.stderr, ...run.stdout].join('\n')).not.toMatch(/\n\s+at |\.ts:\d+|Error:|node:internal/);
}

// Each run is a fresh npm + tsx process (seconds each on a busy machine): room for several per test.
describe('CLI', { timeout: 180_000 }, () => {
  it.each([
    [[], /^no command given; commands: migrate, token --email <email>, admin grant\|revoke/],
    [['frob'], /^unknown command "frob"; commands:/],
    [['migrate', 'now'], /^migrate takes no arguments/],
    [['admin'], /^admin needs grant or revoke/],
    [['admin', 'grant'], /^admin grant needs exactly one user id \(UUID\) or email$/],
    [['admin', 'grant', 'nobody'], /^"nobody" is neither a user id \(UUID\) nor an email$/],
    [['admin', 'grant', 'a@b.cc', 'c@d.ee'], /^admin grant needs exactly one/],
  ])('npm run tempus -- %j is one line and exit 1', async (args, pattern) => {
    expectOneLineFailure(await npmRun('tempus', args), pattern);
  });

  it.each([
    [[], /^token needs --email someone@example.com$/],
    [['--email'], /^Option '--email <value>' argument missing; token takes --email <email>/],
    [['--emial', 'a@b.cc'], /^Unknown option '--emial'; token takes --email <email>/],
    [['--email', 'a@b.cc', 'extra'], /^Unexpected argument 'extra'/],
    [['--email', 'a@b.cc', '--expires-in', 'soon'], /^--expires-in must be a positive number of seconds$/],
  ])('npm run token -- %j is one line and exit 1', async (args, pattern) => {
    expectOneLineFailure(await npmRun('token', args), pattern);
  });

  it('prints a token for an email (the id derived from it) and the full usage on --help', async () => {
    const email = uniqueEmail('cli');
    const run = await npmRun('token', ['--email', email, '--expires-in', '600'], EMBEDDED);
    expect(run.code, run.stderr.join('\n')).toBe(0);
    expect(run.stderr).toEqual([`user id: ${userIdForEmail(email)}  email: ${email}  valid for 600s`]);
    expect(run.stdout).toHaveLength(1);
    expect(decodeJwt(run.stdout[0]!)).toMatchObject({ sub: userIdForEmail(email), email });
    const help = await npmRun('tempus', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout[0]).toBe('Usage: npm run tempus -- <command>');
  });

  it('says in one line that the embedded database is in use by another process', async () => {
    // This test process holds the lock: alive, and not the CLI.
    const lockDir = mkdtempSync(path.join(tmpdir(), 'tempus-cli-locked-'));
    try {
      mkdirSync(path.join(lockDir, 'pglite'));
      writeFileSync(path.join(lockDir, 'pglite', 'tempus.lock'), String(process.pid));
      for (const args of [['migrate'], ['admin', 'grant', uniqueEmail('op')]]) {
        const run = await npmRun('tempus', args, { ...EMBEDDED, DATA_DIR: lockDir });
        expectOneLineFailure(run, new RegExp(`^The embedded database in .* is in use by process ${process.pid} \\(is \`npm start\` running\\?\\)`));
      }
    } finally {
      rmSync(lockDir, { recursive: true, force: true });
    }
  });

  it('says in one line what production mode is missing', async () => {
    const run = await npmRun('tempus', ['migrate'], { NODE_ENV: 'production' });
    expectOneLineFailure(run, /^Configuration error: .*SERVER_SECRET is required when NODE_ENV=production/);
  });

  it('grants and revokes a platform admin by email, refuses an unknown user, and a revoke of a non-admin', async () => {
    const email = uniqueEmail('operator');
    const id = userIdForEmail(email);
    const grant = await npmRun('tempus', ['admin', 'grant', email]);
    expect(grant.code, grant.stderr.join('\n')).toBe(0);
    expect(grant.stdout).toEqual([`${id} is a platform admin`]);
    const revoke = await npmRun('tempus', ['admin', 'revoke', email]);
    expect(revoke.stdout).toEqual([`${id} is no longer a platform admin`]);
    expectOneLineFailure(await npmRun('tempus', ['admin', 'revoke', email]), new RegExp(`^${id} is not a platform admin; nothing to revoke$`));
    // With Supabase Auth, ids are not derived from emails: an email no member has names nobody.
    const supabase = { SUPABASE_JWT_SECRET: 'a-shared-secret-for-this-test-only-0123456789' };
    expectOneLineFailure(
      await npmRun('tempus', ['admin', 'grant', uniqueEmail('stranger')], supabase),
      /^unknown user .*: no hospital member has that email; pass the user's id \(Supabase auth\.users\.id\) instead$/,
    );
  });
});
