import { readdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll } from 'vitest';
import type { TestAppOptions } from './app.ts';
import { createMessagingApp, eventually, messagingTestEnv, type MessagingApp } from './messaging.ts';
import { startSmtpPeer, type SmtpPeer } from './smtp-peer.ts';
import { onServices } from './target.ts';

/** One email as the recipient got it, parsed by mailparser. */
export interface Mail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  attachments: {
    filename: string;
    /** The MIME type alone (`text/calendar`); its parameters are in `params`. */
    contentType: string;
    params: Record<string, string>;
    content: string;
  }[];
}

export function mailOf(parsed: ParsedMail, to?: string[]): Mail {
  const addresses = to ?? (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
  return {
    to: addresses,
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    attachments: parsed.attachments.map((a) => {
      const header = a.headers.get('content-type') as { params?: Record<string, string> } | undefined;
      return { filename: a.filename ?? '', contentType: a.contentType, params: header?.params ?? {}, content: a.content.toString('utf8') };
    }),
  };
}

/**
 * Every email delivered so far, wherever this target delivers them: the SMTP
 * peer's inbox (services target) or the .eml files under DATA_DIR/mail
 * (embedded mode's mailbox).
 */
export async function mailbox(source: { smtp: SmtpPeer | null; dataDir: string }): Promise<Mail[]> {
  if (source.smtp) return source.smtp.received.map((m) => mailOf(m.parsed, m.to));
  const dir = path.join(source.dataDir, 'mail');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.eml'));
  return Promise.all(files.map(async (f) => mailOf(await simpleParser(await readFile(path.join(dir, f))))));
}

export async function mailTo(source: { smtp: SmtpPeer | null; dataDir: string }, address: string): Promise<Mail[]> {
  return (await mailbox(source)).filter((m) => m.to.includes(address.toLowerCase()));
}

/**
 * A messaging app whose emails are captured where the recipient would find
 * them (an SMTP peer on the services target, .eml files in embedded mode),
 * with its own outbox and queue names (messagingTestEnv). Call in beforeAll,
 * close in afterAll. `smtp: 'always'` delivers to an SMTP peer on the embedded
 * target too (suites that program the peer's answers).
 */
export interface MailAppOptions extends Pick<TestAppOptions, 'logDestination'> {
  smtp?: 'always';
}

async function mailCapturingApp(env: Record<string, string> = {}, options: MailAppOptions = {}) {
  const { smtp: peerOn, ...appOptions } = options;
  const menv = await messagingTestEnv();
  const smtp = onServices || peerOn === 'always' ? await startSmtpPeer() : null;
  const t = await createMessagingApp({ ...appOptions, env: { ...env, ...menv.env, ...(smtp ? { SMTP_URL: smtp.url } : {}) } });
  return {
    t,
    smtp,
    mailTo: (address: string) => mailTo({ smtp, dataDir: t.dataDir }, address),
    async close() {
      await t.close();
      await smtp?.close();
      await menv.close();
    },
  };
}

/** The links patients get by mail, as a reader finds them in the text. */
export const MANAGE_LINK = /https?:\/\/[^\s"'<>]+\/manage\/[A-Za-z0-9._~-]+/;
export const OFFER_LINK = /https?:\/\/[^\s"'<>]+\/offers\/[A-Za-z0-9._~-]+/;

/**
 * A mail-capturing app listening on a port of its own, for a browser to open:
 * `origin` is its address, `pageLink` the page a patient's emailed link opens
 * there (the latest mail to `address` with a link `pattern` finds; the link
 * itself must name PUBLIC_BASE_URL, which this server does not listen on).
 */
async function servedMailApp(env: Record<string, string> = {}) {
  const m = await mailCapturingApp(env);
  await m.t.app.listen({ host: '127.0.0.1', port: 0 });
  const origin = `http://127.0.0.1:${(m.t.app.server.address() as AddressInfo).port}`;
  return {
    ...m,
    origin,
    async pageLink(address: string, pattern: RegExp, what: string): Promise<string> {
      const withLink = (all: Mail[]) => all.filter((x) => pattern.test(x.text));
      const mails = await eventually(() => m.mailTo(address), (all: Mail[]) => withLink(all).length > 0, `${what} for ${address}`, 30_000);
      const link = pattern.exec(withLink(mails).at(-1)!.text)![0];
      if (!link.startsWith(`${m.t.config.env.PUBLIC_BASE_URL}/`)) throw new Error(`${what} does not name PUBLIC_BASE_URL: ${link}`);
      return `${origin}${new URL(link).pathname}`;
    },
  };
}

/** The app's environment, or a function giving it in beforeAll (when it names a peer an earlier beforeAll started). */
type MailEnv = Record<string, string> | (() => Record<string, string>);
/** The SMTP peer, standing for it from the start like `t` (see lateBound). */
type Peer = { peer: SmtpPeer };
type MailApp = Awaited<ReturnType<typeof mailCapturingApp>>;
type ServedMailApp = Awaited<ReturnType<typeof servedMailApp>>;

/**
 * A mail-capturing app for the whole suite (or describe block): registers the
 * beforeAll that builds it and the afterAll that closes it, so a suite states
 * only its environment. `serve: true` also listens on a port (servedMailApp:
 * `origin`, `pageLink`) for a browser. Call at the top of the suite, before
 * the suite's own beforeAll, which then finds the app built (hooks run in
 * order). `t` may be destructured at once: it stands for the app until
 * beforeAll has built it (see lateBound), and so may `peer` (the SMTP peer);
 * read the other fields inside tests.
 */
export function useMailApp(env?: MailEnv, options?: MailAppOptions & { serve?: false }): MailApp & Peer;
export function useMailApp(env: MailEnv | undefined, options: { serve: true }): ServedMailApp & Peer;
export function useMailApp(env: MailEnv = {}, options: MailAppOptions & { serve?: boolean } = {}): (MailApp | ServedMailApp) & Peer {
  const { serve, ...appOptions } = options;
  let built: MailApp | ServedMailApp | undefined;
  const ready = () => {
    if (!built) throw new Error('the mail app is used before its beforeAll built it');
    return built;
  };
  const t = lateBound<MessagingApp>(() => ready().t);
  const peer = lateBound<SmtpPeer>(() => ready().smtp ?? fail('no SMTP peer on this target: pass smtp: \'always\''));
  beforeAll(async () => {
    const e = typeof env === 'function' ? env() : env;
    built = serve ? await servedMailApp(e) : await mailCapturingApp(e, appOptions);
  });
  afterAll(async () => {
    await built?.close();
  });
  return {
    t,
    peer,
    get smtp() {
      return ready().smtp;
    },
    get origin() {
      return (ready() as ServedMailApp).origin;
    },
    mailTo: (address: string) => ready().mailTo(address),
    pageLink: (address: string, pattern: RegExp, what: string) => (ready() as ServedMailApp).pageLink(address, pattern, what),
    close: () => ready().close(),
  };
}

/**
 * An object standing for one that does not exist yet: every property read
 * goes to `current()`. Suites pass `t` to factories and read `t.app` in tests;
 * this lets them name it once at the top instead of a `let t` each assigns
 * in a beforeAll of its own.
 */
function fail(message: string): never {
  throw new Error(message);
}

function lateBound<T extends object>(current: () => T): T {
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(current(), key),
    has: (_, key) => Reflect.has(current(), key),
    ownKeys: () => Reflect.ownKeys(current()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(current(), key);
      return d && { ...d, configurable: true };
    },
  });
}
