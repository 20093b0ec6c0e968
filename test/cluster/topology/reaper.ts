import { existsSync } from 'node:fs';
import { pidAlive, reapSync } from './system.ts';

/**
 * Detached watchdog of one topology root (started by topologyRoot): when the
 * test process that owns the root is gone and the root still exists, it
 * stops the daemons of the root by their pid files and removes it. It exits
 * by itself once the root has been removed normally.
 */
const [parent, root] = [Number(process.argv[2]), process.argv[3]!];
const timer = setInterval(() => {
  if (!existsSync(root)) {
    clearInterval(timer);
    return;
  }
  if (pidAlive(parent)) return;
  clearInterval(timer);
  reapSync(root);
}, 500);
