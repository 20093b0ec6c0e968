import { errorCodes, type FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { validation } from '../shared/errors.ts';

type ParseOptions = { protoAction: 'error' | 'ignore'; constructorAction: 'error' | 'ignore' };
const PARSE_OPTIONS: ParseOptions = { protoAction: 'error', constructorAction: 'error' };

/**
 * JSON bodies, parsed as Fastify's own parser does (secure-json-parse,
 * refusing `__proto__` and `constructor.prototype` keys), but saying that a
 * body was refused for such a key, and which: Fastify's parser answers "not
 * valid JSON", which sends a client looking for a syntax error that is not there.
 */
function parseJsonBody(_request: unknown, body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void {
  // An empty body reads as no body: see registerJsonBodyParser.
  if (body.length === 0) return done(null, undefined);
  const parses = (options: ParseOptions) => {
    try {
      return { value: secureJson.parse(body, options) as unknown };
    } catch {
      return null;
    }
  };
  const parsed = parses(PARSE_OPTIONS);
  if (parsed) return done(null, parsed.value);
  if (!parses({ protoAction: 'ignore', constructorAction: 'ignore' })) return done(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY());
  // Valid JSON refused for one of the two keys; both throw the same message, so ask again with one allowed.
  const key = parses({ protoAction: 'error', constructorAction: 'ignore' }) ? 'constructor' : '__proto__';
  const message = 'is a key that is never accepted: it could change how objects behave on the server';
  done(validation(`Invalid body: ${key} ${message}`, { fields: [{ field: key, in: 'body', message }] }));
}

/**
 * The JSON body parser: secure-json-parse as Fastify's own (prototype- and
 * constructor-poisoning refused, and said so), except that an empty body
 * reads as no body instead of a 400: a client that always sends
 * `Content-Type: application/json` may POST nothing to cancel, complete or
 * no-show (their bodies are optional, see src/http/route-defaults.ts); a
 * route whose body is required still refuses the missing body in validation.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
}
