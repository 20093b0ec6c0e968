import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { InjectOptions } from 'fastify';
import type { TestApp } from './app.ts';

/**
 * Judges an answer by the published contract: the OpenAPI document the app
 * serves says which statuses each operation answers and the schema of each
 * body; ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1) checks the body
 * against it. A status the operation does not document fails, and so does a
 * body that does not match.
 *
 * Requests that match no documented operation (an unknown route, the docs'
 * static files, HEAD and OPTIONS) have nothing to be judged by and are left.
 */

// ajv-formats ships CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv2020,
) => Ajv2020;

type Json = Record<string, unknown>;
interface Document {
  paths: Record<string, Record<string, { responses?: Record<string, Json> }>>;
  components?: { responses?: Record<string, Json> };
}

export interface Answer {
  method: string;
  /** Path and query as sent, e.g. /v1/doctors/123?limit=5 */
  url: string;
  status: number;
  contentType: string | undefined;
  body: string;
}

export interface Contract {
  /** Throws (with the operation, status and ajv's errors) when the answer is not one the document allows. */
  check(answer: Answer): void;
  /** How many answers were judged (a suite asserting it judged something cannot pass vacuously). */
  readonly checked: number;
  readonly document: Document;
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** `/v1/doctors/{id}` → a RegExp over concrete paths; literal templates are tried before templated ones. */
function pathMatchers(doc: Document) {
  return Object.keys(doc.paths)
    .map((template) => ({
      template,
      params: (template.match(/\{/g) ?? []).length,
      regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }))
    .sort((a, b) => a.params - b.params);
}

export function contractOf(doc: Document): Contract {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(doc as object, 'openapi');
  const matchers = pathMatchers(doc);
  const validators = new Map<string, ReturnType<typeof ajv.compile>>();
  let checked = 0;

  const validatorFor = (ref: string) => {
    let validate = validators.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: `openapi#/${ref}` });
      validators.set(ref, validate);
    }
    return validate;
  };

  return {
    document: doc,
    get checked() {
      return checked;
    },
    check(answer) {
      const method = answer.method.toLowerCase();
      if (method === 'head' || method === 'options') return;
      const path = answer.url.split('?')[0]!;
      const template = matchers.find((m) => m.regex.test(path) && doc.paths[m.template]?.[method])?.template;
      if (!template) return;
      const label = `${answer.method.toUpperCase()} ${answer.url} -> ${answer.status}`;
      const responses = doc.paths[template]![method]!.responses ?? {};
      let response = responses[String(answer.status)] ?? responses.default;
      let at = pointer('paths', template, method, 'responses', String(answer.status));
      if (!response) throw new Error(`${label}: status ${answer.status} is not documented for ${answer.method.toUpperCase()} ${template} (documented: ${Object.keys(responses).join(', ')})`);
      const ref = response.$ref;
      if (typeof ref === 'string') {
        const name = ref.replace('#/components/responses/', '');
        response = doc.components?.responses?.[name] ?? {};
        at = pointer('components', 'responses', name);
      }
      const content = response.content as Record<string, { schema?: unknown }> | undefined;
      checked++;
      if (!content) return;
      const type = (answer.contentType ?? '').split(';')[0]!.trim();
      if (!content[type]) throw new Error(`${label}: content type "${answer.contentType}" is not documented (documented: ${Object.keys(content).join(', ')})`);
      if (!type.endsWith('json') || !content[type]!.schema) return;
      const validate = validatorFor(`${at}/${pointer('content', type, 'schema')}`);
      let body: unknown;
      try {
        // NDJSON (application/fhir+ndjson) is documented as the text it is; each line is FHIR JSON, which its own tests validate.
        body = type.endsWith('ndjson') ? answer.body : JSON.parse(answer.body);
      } catch {
        throw new Error(`${label}: the body is not JSON: ${answer.body.slice(0, 200)}`);
      }
      if (!validate(body)) {
        throw new Error(`${label}: the body does not match the documented schema: ${ajv.errorsText(validate.errors)}\n${answer.body.slice(0, 500)}`);
      }
    },
  };
}

const contracts = new WeakMap<TestApp, Promise<Contract>>();

/** The contract of a test app, read once from its /docs/openapi.json. */
export function contractFor(t: TestApp): Promise<Contract> {
  let contract = contracts.get(t);
  if (!contract) {
    contract = t.app.inject({ method: 'GET', url: '/docs/openapi.json' }).then((res) => {
      if (res.statusCode !== 200) throw new Error(`/docs/openapi.json answered ${res.statusCode}`);
      return contractOf(res.json() as Document);
    });
    contracts.set(t, contract);
  }
  return contract;
}

/** `t.app.inject` whose answer is checked against the contract before it is returned. */
export async function injectChecked(t: TestApp, options: InjectOptions & { url: string }) {
  const res = await t.app.inject(options);
  const contract = await contractFor(t);
  contract.check({
    method: options.method ?? 'GET',
    url: options.url,
    status: res.statusCode,
    contentType: res.headers['content-type'] as string | undefined,
    body: res.body,
  });
  return res;
}
