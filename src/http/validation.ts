import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

// ajv-formats ships CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

const common: Options = { removeAdditional: false, useDefaults: true, allErrors: false, addUsedSchema: false, strict: false };

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
}
