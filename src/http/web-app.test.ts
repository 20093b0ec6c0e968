import { readdirSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.ts';
import { pickLanguage } from './accept-language.ts';
import { WEB_CSP } from './web-app.routes.ts';

const lines: string[] = [];
let t: TestApp;
beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  t = await createTestApp({ env: { LOG_LEVEL: 'info' }, logDestination: sink });
});
afterAll(async () => {
  await t.close();
});

describe('Accept-Language', () => {
  it('picks the best supported language by quality and primary subtag, else English', () => {
    const langs = ['en', 'es', 'de'];
    expect(pickLanguage(undefined, langs)).toBe('en');
    expect(pickLanguage('es-MX,es;q=0.9,en;q=0.8', langs)).toBe('es');
    expect(pickLanguage('fr-CH, fr;q=0.9, de;q=0.7, *;q=0.5', langs)).toBe('de');
    expect(pickLanguage('en;q=0.2, de-AT', langs)).toBe('de');
    expect(pickLanguage('fr, it', langs)).toBe('en');
    expect(pickLanguage('de;q=0, es;q=0.1', langs)).toBe('es');
    expect(pickLanguage('*', langs)).toBe('en');
    expect(pickLanguage(';;,q=x,', langs)).toBe('en');
  });
});

describe('booking page shell', () => {
  it('answers the shell in the negotiated language, with the strict CSP and no referrer', async () => {
    const res = await t.app.inject({ url: '/book/some-clinic', headers: { 'accept-language': 'de-DE,de;q=0.9' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toBe(WEB_CSP);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers.vary).toMatch(/Accept-Language/i);
    expect(res.body).toContain('<html lang="de">');
    expect(res.body).toContain('<title>Termin buchen</title>');
    // Nothing inline: every script and stylesheet is a file of this origin.
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc="\/app\/)/);
    expect(res.body).not.toMatch(/<style|style="/);
    expect(res.body).not.toMatch(/\{\{\w+\}\}/);
  });

  it('lets ?lang= (the language switch) win over the header, and ignores an unknown one', async () => {
    expect((await t.app.inject({ url: '/book/x?lang=es', headers: { 'accept-language': 'de' } })).body).toContain('<html lang="es">');
    expect((await t.app.inject({ url: '/book/x?lang=zz' })).body).toContain('<html lang="en">');
  });

  it('never stores the manage page (its URL holds a credential) and keeps the token out of the logs', async () => {
    const token = 'mT0k3nAbcdefghijklmnopqrstuvwxyz0123456789';
    const res = await t.app.inject({ url: `/manage/${token}`, headers: { 'accept-language': 'es' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.body).toContain('<html lang="es">');
    expect(res.body).not.toContain(token);
    expect(lines.some((l) => l.includes('/manage/'))).toBe(true);
    expect(lines.filter((l) => l.includes(token))).toEqual([]);
  });

  it('never stores the offer page (its URL holds the signed offer link) and keeps the token out of the logs', async () => {
    const token = 'oT0k3nAbcdefghijklmnopqrstuvwxyz0123456789';
    const res = await t.app.inject({ url: `/offers/${token}`, headers: { 'accept-language': 'de' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toBe(WEB_CSP);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.body).toContain('<html lang="de">');
    expect(res.body).not.toContain(token);
    expect(lines.some((l) => l.includes('/offers/'))).toBe(true);
    expect(lines.filter((l) => l.includes(token))).toEqual([]);
    expect((await t.app.inject({ url: '/app/offer.js' })).statusCode).toBe(200);
  });

  it('serves only its listed files, with an ETag to revalidate against', async () => {
    const js = await t.app.inject({ url: '/app/main.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    const again = await t.app.inject({ url: '/app/main.js', headers: { 'if-none-match': String(js.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect((await t.app.inject({ url: '/app/style.css' })).headers['content-type']).toMatch(/^text\/css/);
    for (const url of ['/app/index.html', '/app/..%2fpackage.json', '/app/../package.json', '/app/nothing.js']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain('"dependencies"');
    }
  });

  it('serves every module the page imports (a module left off the list would break the page silently)', async () => {
    const dir = new URL('../../web/', import.meta.url);
    const imported = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
      for (const [, name] of readFileSync(new URL(file, dir), 'utf8').matchAll(/from '\.\/([\w-]+\.js)'/g)) imported.add(name!);
    }
    expect(imported.has('page.js')).toBe(true);
    for (const name of imported) expect((await t.app.inject({ url: `/app/${name}` })).statusCode, name).toBe(200);
  });

  it('stays out of the OpenAPI document and leaves the docs page without the strict CSP', async () => {
    const doc = (await t.app.inject({ url: '/docs/openapi.json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => /^\/(book|manage|app)\//.test(p))).toEqual([]);
    const docs = await t.app.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-security-policy']).toBeUndefined();
  });
});
