import type { FastifyInstance } from 'fastify';

/**
 * Fastify's own JSON parser (prototype- and constructor-poisoning refused, as
 * by default), except that an empty body reads as no body instead of a 400:
 * a client that always sends `Content-Type: application/json` may POST
 * nothing to cancel, complete or no-show (their bodies are optional, see
 * src/http/route-defaults.ts); a route whose body is required still refuses
 * the missing body in validation.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) return done(null, undefined);
    // parseAs 'string' hands over a string.
    return parse(request, body as string, done);
  });
}
