import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../shared/errors.ts';
import { pickLanguage } from './accept-language.ts';

/**
 * The patients' booking page (SPEC section 15): a small web app in `web/`,
 * plain HTML, ES modules and CSS committed as they are served (no build step).
 * `/book/:subdomain`, `/manage/:token` and `/offers/:token` (a waitlist offer's
 * emailed link) answer the same shell, in the
 * visitor's language from the first paint (`Accept-Language`, or `?lang=` from
 * the page's language switch); its files come from `/app/<file>`, a fixed list
 * read once at start, so no request can name a file outside it.
 *
 * Not API operations: hidden from the OpenAPI document, public, and under the
 * ordinary per-IP rate limit.
 */
const WEB_DIR = new URL('../../web/', import.meta.url);
const ASSETS: Record<string, string> = {
  'main.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'i18n.js': 'text/javascript; charset=utf-8',
  'messages.js': 'text/javascript; charset=utf-8',
  'picker.js': 'text/javascript; charset=utf-8',
  'page.js': 'text/javascript; charset=utf-8',
  'book.js': 'text/javascript; charset=utf-8',
  'manage.js': 'text/javascript; charset=utf-8',
  'offer.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/** Only this origin, nothing inline, not framed, no <base> and forms post here only. */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** The page's own paths (route patterns or OpenAPI paths): not API operations, so not in the OpenAPI inventory. */
export const isWebAppRoute = (url: string) => /^\/(book|manage|offers|app)\//.test(url);

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

type Catalog = Record<string, Record<string, string>>;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function webAppRoutes(app: FastifyInstance) {
  const assets = new Map<string, Asset>(
    Object.entries(ASSETS).map(([name, type]) => {
      const body = readFileSync(new URL(name, WEB_DIR));
      return [name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` }];
    }),
  );
  // The page's own catalog (one source for the browser and the shell's first paint).
  const { messages } = (await import(new URL('messages.js', WEB_DIR).href)) as { messages: Catalog };
  const languages = Object.keys(messages);
  const template = readFileSync(new URL('index.html', WEB_DIR), 'utf8');

  const shell = (request: FastifyRequest, reply: FastifyReply, cache: string) => {
    const query = request.query as { lang?: unknown };
    const lang = pickLanguage(typeof query.lang === 'string' ? query.lang : request.headers['accept-language'], languages);
    const strings = messages[lang]!;
    const html = template.replace(/\{\{(\w+)\}\}/g, (_m, key: string) => escapeHtml(key === 'lang' ? lang : (strings[key] ?? messages.en![key] ?? '')));
    return reply
      .header('content-security-policy', WEB_CSP)
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', cache)
      .header('vary', 'Accept-Language')
      .type('text/html; charset=utf-8')
      .send(html);
  };

  const config = { auth: 'public' as const };
  const schema = { hide: true };
  // The shell of a booking page holds nothing private, but it varies by language: revalidate.
  app.get('/book/:subdomain', { config, schema }, (request, reply) => shell(request, reply, 'no-cache'));
  // The token in this URL is a credential: never stored, never sent on as a referrer.
  app.get('/manage/:token', { config, schema }, (request, reply) => shell(request, reply, 'no-store'));
  app.get('/offers/:token', { config, schema }, (request, reply) => shell(request, reply, 'no-store'));
  app.get('/app/:file', { config, schema }, (request, reply) => {
    const asset = assets.get((request.params as { file: string }).file);
    if (!asset) throw notFound('File');
    reply
      .header('content-security-policy', WEB_CSP)
      .header('cache-control', 'no-cache')
      .header('etag', asset.etag);
    if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
    return reply.type(asset.type).send(asset.body);
  });
}
