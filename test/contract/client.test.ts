/**
 * The contract as a client team meets it (issue 11, "Tests"):
 * - openapi-typescript generates types from the document the live app serves,
 *   and booking-flow.ts, written only against those types with openapi-fetch,
 *   type-checks (tsc, no hand fixes);
 * - the flow runs against the real listening app, and every answer validates
 *   against the document's schema for its status (ajv, test/helpers/contract.ts),
 *   401, 404, 409 and 422 included;
 * - the same flow through Stoplight Prism as a validating proxy draws no
 *   violation at all, neither on the requests nor on the answers.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { contractOf, type Contract } from '../helpers/contract.ts';
import { uniqueEmail } from '../helpers/factories.ts';
import { startPrism, violationsOf, type PrismProxy, type Violation } from '../helpers/prism.ts';

const run = promisify(execFile);
const ROOT = path.join(import.meta.dirname, '..', '..');
const FLOW = path.join(import.meta.dirname, 'booking-flow.ts');

let t: TestApp;
let appUrl: string;
let document: Record<string, unknown>;
let contract: Contract;
let prism: PrismProxy;
let dir: string;

beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  appUrl = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  // The live document, over HTTP, as a client fetches it.
  document = (await (await fetch(`${appUrl}/docs/openapi.json`)).json()) as Record<string, unknown>;
  contract = contractOf(document as unknown as Parameters<typeof contractOf>[0]);
  prism = await startPrism(document, appUrl);
  dir = mkdtempSync(path.join(tmpdir(), 'tempus-client-'));
});
afterAll(async () => {
  await prism?.close();
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Recorded {
  method: string;
  url: string;
  status: number;
  contentType: string | undefined;
  body: string;
  violations: Violation[];
}

/** A fetch that keeps every answer (and Prism's findings, when it is in the path). */
function recordingFetch(into: Recorded[]) {
  return async (request: Request) => {
    const response = await fetch(request);
    const url = new URL(request.url);
    into.push({
      method: request.method,
      url: url.pathname + url.search,
      status: response.status,
      contentType: response.headers.get('content-type') ?? undefined,
      body: await response.clone().text(),
      violations: violationsOf(response.headers.get('sl-violations')),
    });
    return response;
  };
}

/** booking-flow.ts's signature, restated: that file type-checks only against the generated types (first test), not in the root tsc. */
type Flow = (options: { baseUrl: string; token: string; fetch: (request: Request) => Promise<Response> }) => Promise<{
  replayed: string | null;
  listed: number;
  cancelledStatus: string;
  errors: Record<'unauthorized' | 'notFound' | 'conflict' | 'inThePast', string>;
}>;
// A variable specifier, so the root tsc does not follow it.
const flowModule = './booking-flow.ts';
const loadFlow = async (): Promise<Flow> => ((await import(flowModule)) as { bookingFlow: Flow }).bookingFlow;

describe('a client generated from the published document', () => {
  it('type-checks the booking flow against types generated from the live document', async () => {
    const types = path.join(dir, 'openapi.ts');
    writeFileSync(types, astToString(await openapiTS(document as unknown as Parameters<typeof openapiTS>[0])));
    const tsconfig = path.join(dir, 'tsconfig.json');
    writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: path.join(ROOT, 'tsconfig.json'),
        compilerOptions: { noEmit: true, typeRoots: [path.join(ROOT, 'node_modules', '@types')], paths: { 'tempus-openapi-types': [types] } },
        include: [],
        files: [FLOW],
      }),
    );
    const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
    const result = await run(tsc, ['-p', tsconfig], { cwd: ROOT }).then(
      () => ({ ok: true, output: '' }),
      (err: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
    );
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  }, 120_000);

  it('runs against the listening app, every answer as the document says', async () => {
    const answers: Recorded[] = [];
    const result = await (await loadFlow())({ baseUrl: appUrl, token: await t.tokenFor(uniqueEmail('flow')), fetch: recordingFetch(answers) });
    expect(result.replayed).toBe('true');
    expect(result.listed).toBeGreaterThanOrEqual(1);
    expect(result.cancelledStatus).toBe('cancelled');
    expect(result.errors).toMatchObject({ unauthorized: 'UNAUTHORIZED', notFound: 'NOT_FOUND', inThePast: expect.any(String) });
    expect(['SLOT_UNAVAILABLE', 'PATIENT_BUSY']).toContain(result.errors.conflict);
    for (const answer of answers) contract.check(answer);
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200, 201, 401, 404, 409, 422]));
    expect(contract.checked).toBe(answers.length);
  });

  it('draws no violation from Prism as a validating proxy (but for the request sent without a token on purpose)', async () => {
    const answers: Recorded[] = [];
    await (await loadFlow())({ baseUrl: prism.url, token: await t.tokenFor(uniqueEmail('flow-prism')), fetch: recordingFetch(answers) });
    expect(answers.length).toBeGreaterThan(10);
    const found = answers.filter((a) => a.violations.length > 0).map((a) => `${a.method} ${a.url} -> ${a.status}: ${JSON.stringify(a.violations)}`);
    // The anonymous GET /v1/hospitals/me is the flow's 401 case: Prism rightly says the request lacks the bearer token.
    expect(found).toEqual([
      'GET /v1/hospitals/me -> 401: [{"location":["request"],"severity":"Error","code":401,"message":"Invalid security scheme used"}]',
    ]);
  });
});
