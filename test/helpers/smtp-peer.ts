import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server for tests (smtp-server on a free loopback port), with a
 * programmable answer per message: accept, reject with any reply code, or hold
 * the final reply until released (a message in flight). Accepted messages are
 * parsed with mailparser.
 */
export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** When the peer accepted it (epoch ms). */
  receivedAt: number;
  attachments: { filename: string; contentType: string; content: string }[];
  parsed: ParsedMail;
}

export type PeerAnswer = 'accept' | 'hold' | { code: number; message: string };

export interface SmtpPeer {
  url: string;
  port: number;
  /** Every message this peer accepted (replied 250 to). */
  received: ReceivedMail[];
  /** DATA transactions seen per recipient, accepted or not. */
  attempts: Map<string, number>;
  /** Messages whose reply is being held. */
  held(): number;
  /** Decide the answer for each message (default: accept). */
  answer(fn: (mail: { to: string[]; attempt: number; subject: string }) => PeerAnswer): void;
  /** Accept every held message now. */
  releaseHeld(): void;
  receivedBy(address: string): ReceivedMail[];
  /** Resolves when `predicate` holds (checked after every event); rejects after `timeoutMs` so a broken test fails instead of hanging. */
  waitFor(predicate: (peer: SmtpPeer) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpPeer(): Promise<SmtpPeer> {
  const events = new EventEmitter();
  events.setMaxListeners(100);
  const received: ReceivedMail[] = [];
  const attempts = new Map<string, number>();
  const held = new Map<string, { accept: () => void }[]>();
  let decide: (mail: { to: string[]; attempt: number; subject: string }) => PeerAnswer = () => 'accept';

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        void (async () => {
          const raw = Buffer.concat(chunks);
          const parsed = await simpleParser(raw);
          const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
          const attempt = Math.max(...to.map((a) => (attempts.get(a) ?? 0) + 1));
          for (const a of to) attempts.set(a, (attempts.get(a) ?? 0) + 1);
          const mail: ReceivedMail = {
            to,
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? '',
            receivedAt: 0,
            attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, content: a.content.toString('utf8') })),
            parsed,
          };
          const accept = () => {
            mail.receivedAt = Date.now();
            received.push(mail);
            callback(null, 'OK: queued');
            events.emit('change');
          };
          const answer = decide({ to, attempt, subject: mail.subject });
          if (answer === 'accept') accept();
          else if (answer === 'hold') {
            const list = held.get(session.id) ?? [];
            list.push({ accept });
            held.set(session.id, list);
            events.emit('change');
          } else {
            const err = Object.assign(new Error(answer.message), { responseCode: answer.code });
            callback(err);
            events.emit('change');
          }
        })();
      });
    },
    onClose(session) {
      // The client went away while we held its reply: the message was never accepted.
      held.delete(session.id);
      events.emit('change');
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;

  const peer: SmtpPeer = {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    attempts,
    held: () => [...held.values()].reduce((n, l) => n + l.length, 0),
    answer(fn) {
      decide = fn;
    },
    releaseHeld() {
      const all = [...held.values()].flat();
      held.clear();
      for (const h of all) h.accept();
    },
    receivedBy: (address) => received.filter((m) => m.to.includes(address.toLowerCase())),
    waitFor(predicate, timeoutMs = 20_000, what = 'condition') {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (predicate(peer)) {
            cleanup();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`SMTP peer: timed out waiting for ${what} (received ${received.length}, held ${peer.held()})`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          events.off('change', check);
        };
        events.on('change', check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return peer;
}
