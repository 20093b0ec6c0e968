import type { FastifyInstance } from 'fastify';
import type { ReadRouting } from '../infra/db/replica.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Read-your-writes with a read replica (src/infra/db/replica.ts): a signed-in
 * user's request that may have written (any method but GET/HEAD/OPTIONS, any
 * outcome: a 5xx may still have committed) marks the user in the shared cache
 * before its response is sent, so the client's next read, on any API process,
 * goes to the primary until the replica is sure to have the write. Without a
 * replica this registers nothing.
 */
export function registerReadYourWrites(app: FastifyInstance, reads: ReadRouting): void {
  if (!reads.replica) return;
  app.addHook('onSend', async (request, _reply, payload) => {
    const userId = request.auth?.user.id;
    if (userId && !SAFE_METHODS.has(request.method)) await reads.wrote(userId);
    return payload;
  });
}
