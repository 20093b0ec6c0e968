import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';

/** Helmet's settings for every response (the web pages add their own CSP, src/http/web-app.routes.ts). */
export const HELMET_OPTIONS: FastifyHelmetOptions = { contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: 'same-site' } };

/**
 * The headers helmet sets with these options, asked of helmet itself once:
 * a throwaway app with the plugin and one without answer the same request,
 * and what only the first carries is helmet's. Helmet's options are static
 * (no per-route helmet config, no CSP nonces), so its answer never varies,
 * while running its middleware chain on every request cost ~6% of a cached
 * read (docs/performance.md, "hospitals/me: the hook chain").
 */
export async function helmetHeaders(options: FastifyHelmetOptions = HELMET_OPTIONS): Promise<Record<string, string>> {
  const answer = async (withHelmet: boolean) => {
    const probe = Fastify();
    if (withHelmet) await probe.register(helmet, options);
    probe.get('/', async () => 'probe');
    const res = await probe.inject({ url: '/' });
    await probe.close();
    return res.headers;
  };
  const [plain, helmeted] = await Promise.all([answer(false), answer(true)]);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(helmeted)) {
    if (name in plain || typeof value !== 'string') continue;
    headers[name] = value;
  }
  return headers;
}

/**
 * Every response's first headers, in one onRequest hook: the request id (a
 * caller's or a minted one, so logs join up) and helmet's precomputed set.
 * Set on arrival like helmet did, so errors, 404s and routes that answer in a
 * hook carry them too, and a route can still override one (the web pages' CSP).
 */
export async function registerResponseHeaders(app: FastifyInstance, options: FastifyHelmetOptions = HELMET_OPTIONS): Promise<void> {
  const headers = await helmetHeaders(options);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    reply.headers(headers);
    done();
  });
}
