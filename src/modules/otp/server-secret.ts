import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.ts';

/**
 * The HMAC key for OTP hashes (and any other server-side signature):
 * SERVER_SECRET when set (production requires it); in embedded mode a random
 * secret created once and kept under DATA_DIR, so codes issued before a
 * restart still verify after it.
 */
export function loadServerSecret(config: Config): string {
  if (config.env.SERVER_SECRET) return config.env.SERVER_SECRET;
  const file = path.resolve(config.env.DATA_DIR, 'secrets', 'server-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    // 'wx': if another process created it first, read theirs instead.
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readFileSync(file, 'utf8').trim();
}
