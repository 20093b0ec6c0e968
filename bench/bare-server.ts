import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { FloorSpec } from './processes.ts';

/**
 * The baseline server and the floor ladder (docs/performance.md "Where the
 * floor is"): bare Fastify in its own process, one GET route, plus only the
 * layers named in its spec, each the work one guarantee forces on every
 * request, done with the API's own code (imported, never copied):
 *
 * - `redis`: the shared rate limit, one call of the API's window script
 *   (`windowScript`, rate-limit.ts) over ioredis: exact across processes,
 *   so one Redis round trip;
 * - `jwt`: the bearer token verified by the API's verifier on every request
 *   (createAuth over the API process's own environment: same key, algorithms,
 *   claims), i.e. the cost with AUTH_TOKEN_CACHE_SECONDS=0; `auth`: the API's
 *   auth hook itself (authPlugin, its per-process token cache), the
 *   membership a constant;
 * - `log`: the API's logger and its one access line per request (AccessLog),
 *   written to this process's stdout as the API's is;
 * - `pg`: the availability floor's SELECT over node-postgres, in the simple
 *   protocol as pgbench sends it (row by row, or as one json_agg value);
 *   `tenant`: behind the API's row-level security context (set_config
 *   prelude in the same message, as tenantRows sends it); `slots`: the slot
 *   computation and the API's answer writer;
 * - `replay`: the booking transaction's recorded SQL, per request.
 *
 * Without layers it answers a fixed body (bare Fastify, logging off).
 * Args: port, spec file (JSON: FloorSpec of bench/processes.ts, url, body).
 */
type Spec = FloorSpec & { url: string; body?: string };

const [port, file] = process.argv.slice(2) as [string, string];
const spec = JSON.parse(readFileSync(file, 'utf8')) as Spec;
const has = (layer: FloorSpec['layers'][number]) => spec.layers.includes(layer);
const config = has('jwt') || has('auth') || has('log') ? (await import('../src/config.ts')).loadConfig(spec.env) : null;

type Step = (authorization: string | undefined) => Promise<void>;
const steps: Step[] = [];
let identity = 'anonymous';

if (has('jwt')) {
  const { createAuth } = await import('../src/infra/auth/verifier.ts');
  const { verifier } = await createAuth(config!);
  steps.push(async (authorization) => {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
    identity = (await verifier.verify(token)).id;
  });
}
let redis: { quit(): Promise<unknown> } | null = null;
if (has('redis')) {
  const { Redis } = await import('ioredis');
  const { windowScript } = await import('../src/http/rate-limit.ts');
  const client = new Redis(spec.env.REDIS_URL!, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
  client.defineCommand(windowScript.name, { numberOfKeys: 1, lua: windowScript.lua });
  const run = (client as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[windowScript.name]!.bind(client);
  const key = `${spec.env.REDIS_KEY_PREFIX ?? ''}floor:rl:${spec.rateKey ?? 'user'}`;
  const windowMs = Number(spec.env.RATE_LIMIT_WINDOW_SECONDS ?? 60) * 1000;
  redis = client;
  steps.push(async () => {
    const { count } = windowScript.decode(await run(key, windowMs));
    if (!(count > 0)) throw new Error(`rate window for ${identity}: ${count}`);
  });
}

let answer: () => Promise<string | Buffer> = async () => spec.body!;
let pool: { end(): Promise<void> } | null = null;
if (has('pg')) {
  const pg = (await import('pg')).default;
  const p = new pg.Pool({ connectionString: spec.env.DATABASE_URL, max: 10 });
  pool = p;
  // One message either way; with `tenant` the API's RLS context (and role) leads it, as in tenantRows.
  const prelude = has('tenant') ? `select set_config('app.hospital_id', '${spec.select!.hospitalId}', true), set_config('role', 'tempus_app', true);\n` : '';
  const text = prelude + spec.select!.text;
  type Row = { s: number; e: number } | { pairs: [number, number][] };
  // Row by row, or (a `pairs` column) the rows as one json_agg value that node-postgres parses with one JSON.parse.
  const rows = async (): Promise<{ s: number; e: number }[] | [number, number][]> => {
    const result = (await p.query(text)) as unknown as { rows: Row[] } | { rows: Row[] }[];
    const got = (Array.isArray(result) ? result[result.length - 1]! : result).rows;
    const first = got[0];
    return first && 'pairs' in first ? first.pairs : (got as { s: number; e: number }[]);
  };
  answer = async () => JSON.stringify(await rows());
  if (has('slots')) {
    const { Temporal } = await import('temporal-polyfill');
    const { computeSlots } = await import('../src/modules/availability/slots.ts');
    const { localDays } = await import('../src/modules/availability/local-time.ts');
    const { parseWeekly } = await import('../src/modules/schedules/weekly.ts');
    const { availabilityJson } = await import('../src/modules/availability/availability.json.ts');
    const s = spec.slots!;
    const weekly = parseWeekly(s.weekly as never, s.slotMinutes);
    const from = Temporal.PlainDate.from(s.from);
    const to = Temporal.PlainDate.from(s.to);
    answer = async () => {
      const appointments = (await rows()).map((r) => (Array.isArray(r) ? { startMs: r[0], endMs: r[1] } : { startMs: Number(r.s), endMs: Number(r.e) }));
      const slots = computeSlots({
        zone: s.zone,
        weekly,
        slotMinutes: s.slotMinutes,
        bufferMinutes: s.bufferMinutes,
        from: s.from,
        to: s.to,
        timeOff: s.timeOff,
        appointments,
        notBeforeMs: Date.now(),
        days: localDays(s.zone, from, to),
      });
      return availabilityJson({ doctorId: s.doctorId, timezone: s.zone, from: s.from, to: s.to, slotMinutes: s.slotMinutes, visitTypeId: null, slots: slots.map((x) => ({ start: x.start, end: x.end })) });
    };
  }
}

if (has('replay')) {
  // The booking transaction's recorded SQL (bench/booking.bench.ts's pgbench scripts), one script per request in
  // turn, on one pooled connection: each message as recorded, with a fresh random slot and fresh ids, as pgbench does.
  const pg = (await import('pg')).default;
  const p = new pg.Pool({ connectionString: spec.env.DATABASE_URL, max: 16 });
  pool = p;
  const scripts = spec.replay!.map((script) => script.trim().split('\n').slice(2).map((line) => line.replace(/ \\;/g, ';')));
  const slotLiteral = (ms: number) => `'${new Date(ms).toISOString().replace('.000Z', 'Z')}'`;
  let turn = 0;
  answer = async () => {
    const messages = scripts[turn++ % scripts.length]!;
    const startMs = Date.UTC(2100, 0, 1) + Math.floor(Math.random() * 100_000_000) * 5 * 60_000;
    const values = new Map<string, string>([
      ['slot_start', slotLiteral(startMs)],
      ['slot_end', slotLiteral(startMs + 5 * 60_000)],
    ]);
    const client = await p.connect();
    try {
      for (const message of messages) {
        await client.query(message.replace(/(?<!:):(slot_start|slot_end|id\d+)\b/g, (_m, name: string) => values.get(name) ?? values.set(name, `'${randomUUID()}'`).get(name)!));
      }
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    return JSON.stringify({ data: { messages: messages.length }, message: 'OK' });
  };
}

const app = has('log')
  ? Fastify({
      loggerInstance: (await import('../src/infra/observability/logger.ts')).createLogger(config!, 'tempus-api') as FastifyBaseLogger,
      logController: new (await import('../src/http/access-log.ts')).AccessLog(),
      genReqId: () => randomUUID(),
    })
  : Fastify({ logger: false });
// Start-up probe (the bench waits on it): no layer, so it answers before a token is at hand.
app.get('/floor/up', { config: { auth: 'public' } }, async () => 'up');
if (has('auth')) {
  // The API's auth hook as app.ts registers it (its token cache, AUTH_TOKEN_CACHE_SECONDS), the membership a
  // constant: the API's is an in-process cache hit on this path, and that lookup is not the guarantee measured here.
  const { createAuth } = await import('../src/infra/auth/verifier.ts');
  const { authPlugin } = await import('../src/http/auth.ts');
  const { verifier } = await createAuth(config!);
  await app.register(authPlugin, {
    verifier,
    lookupIdentity: async () => ({ hospitalId: '00000000-0000-4000-8000-000000000001', role: 'owner', doctorId: null, isPlatformAdmin: false }),
    tokenCacheSeconds: config!.env.AUTH_TOKEN_CACHE_SECONDS,
    clockToleranceSeconds: config!.env.JWT_CLOCK_TOLERANCE_SECONDS,
  });
}
app.get(spec.url.split('?')[0]!, { config: { permission: 'hospital.read' } }, async (request, reply) => {
  for (const step of steps) await step(request.headers.authorization);
  return reply.type('application/json; charset=utf-8').send(await answer());
});
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(async () => {
  await redis?.quit();
  await pool?.end();
  process.exit(0);
}));
