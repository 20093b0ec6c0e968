import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { LogController } from 'fastify';
import type { Logger } from 'pino';

/**
 * One access line per request instead of Fastify's two ("incoming request"
 * when it arrives, "request completed" when it is answered): the completed
 * line carries the request too (method, URL through the logger's redactUrl,
 * host, address), so nothing is lost and a request costs one formatted,
 * redacted and written line. Fastify's other lines (errors, stream errors,
 * unknown routes) are unchanged.
 *
 * The successful line goes through a child of the process logger without the
 * redaction paths (the same JSON, `reqId` in the same place): its fields are
 * fixed and none of them can hold what those paths blank out (the request
 * serializer keeps method, redacted URL, host and address; headers never
 * reach it), while matching every path on every line cost about as much as
 * writing it (docs/performance.md). The contact scrubbing of every line
 * (formatters) still applies. An errored line carries the error, so it keeps
 * the full redaction.
 */
export class AccessLog extends LogController {
  /** Made from the app's logger (it carries Fastify's serializers) on its first line; one per logger. */
  private readonly plain = new WeakMap<FastifyBaseLogger, FastifyBaseLogger>();

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
      return;
    }
    if (!(reply.log as unknown as Logger).isLevelEnabled('info')) return;
    const of = request.server.log;
    let plain = this.plain.get(of);
    if (!plain) this.plain.set(of, (plain = of.child({}, { redact: { paths: [] } })));
    plain.info({ [this.requestIdLogLabel]: request.id, req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
