import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { errorCodes, type FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { validation } from '../shared/errors.ts';

// ajv-formats ships CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

const common: Options = { removeAdditional: false, useDefaults: true, allErrors: false, addUsedSchema: false, strict: false };

type ParseOptions = { protoAction: 'error' | 'ignore'; constructorAction: 'error' | 'ignore' };
const PARSE_OPTIONS: ParseOptions = { protoAction: 'error', constructorAction: 'error' };

/**
 * JSON bodies, parsed as Fastify's own parser does (secure-json-parse,
 * refusing `__proto__` and `constructor.prototype` keys), but saying that a
 * body was refused for such a key, and which: Fastify's parser answers "not
 * valid JSON", which sends a client looking for a syntax error that is not there.
 */
function parseJsonBody(_request: unknown, body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void {
  if (body.length === 0) return done(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY());
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
 * Two validators: path, query and headers arrive as strings, so they are
 * coerced to the schema's types; JSON bodies are not — `{"plan": 42}` for a
 * text field is a 400, not a silently stored "42". Unknown fields are refused
 * everywhere (schemas say additionalProperties: false; nothing is removed).
 */
export function registerValidation(app: FastifyInstance): void {
  const strictBody = addFormats(new Ajv({ ...common, coerceTypes: false }));
  const coercing = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strictBody : coercing).compile(schema));
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
}
