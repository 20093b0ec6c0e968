import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * PGlite is PostgreSQL inside one process: two processes opening the same
 * data directory would corrupt it. This lock file makes the second one stop
 * with a clear message instead (e.g. `npm run tempus -- admin grant` while
 * `npm start` is running). A lock left by a process that died is taken over.
 */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, 'tempus.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        throw new DataDirInUseError(
          `The embedded database in ${dataDir} is in use by process ${holder} (is \`npm start\` running?). Stop it first, or set DATABASE_URL to use PostgreSQL.`,
        );
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`Could not lock the embedded database in ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
