import type { FastifyReply, FastifyRequest } from 'fastify';
import { LogController } from 'fastify';

/**
 * One access line per request instead of Fastify's two ("incoming request"
 * when it arrives, "request completed" when it is answered): the completed
 * line carries the request too (method, URL through the logger's redactUrl,
 * host, address), so nothing is lost and a request costs one formatted,
 * redacted and written line. Fastify's other lines (errors, stream errors,
 * unknown routes) are unchanged.
 */
export class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
