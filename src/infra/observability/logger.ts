import pino, { type DestinationStream, type Logger } from 'pino';
type SonicBoom = ReturnType<typeof pino.destination>;
import type { Config } from '../../config.ts';

/**
 * Paths pino blanks out. Credentials and codes never reach a log line, and
 * neither do clinical fields, wherever a body or payload carries them.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.authorization',
  '*.otp',
  // OTP codes travel as data.code in email payloads; error codes (ECONNRESET, 23505) stay readable.
  'data.code',
  '*.data.code',
  'payload.data.code',
  '*.token',
  '*.password',
  '*.subjective',
  '*.objective',
  '*.assessment',
  '*.plan',
  '*.diagnoses',
  '*.prescriptions',
];

/**
 * Paths whose segment after the prefix is a credential (a calendar feed's
 * secret address, a patient's manage link, a waitlist offer link): logged as
 * `[redacted]`, so a log reader cannot subscribe or act as the patient.
 */
const SECRET_PATHS = /^(\/calendar\/|\/manage\/|\/offers\/|\/v1\/public\/manage\/|\/v1\/public\/offers\/)[^/?#]+/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A path segment that looks like a secret: long, URL-safe, with letters and digits (a token, optionally with an extension such as .ics). */
const TOKENISH = /^(?=[^.]*\d)(?=[^.]*[A-Za-z])[A-Za-z0-9_-]{24,}(\.[A-Za-z0-9]{1,8})?$/;
/** Query parameters whose values are never personal or secret; every other value is logged as [redacted]. */
const PLAIN_QUERY = new Set(['limit', 'status', 'channel', 'from', 'to', 'replayed']);

/**
 * A URL as it may be logged: token-like path segments and the values of query
 * parameters (a `?search=` is often a person's name, email or phone; a cursor
 * can encode a name) replaced by [redacted]. Ids (UUIDs) and the route stay.
 */
export function redactUrl(rawUrl: string): string {
  // A calendar feed's address or a signed link is a credential whatever its shape.
  const url = rawUrl.replace(SECRET_PATHS, '$1[redacted]');
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  // A token-like segment has 24 characters or more: a shorter path (/v1/hospitals/me) has none to look for.
  if (q < 0 && path.length <= 24) return url;
  const safePath = path
    .split('/')
    .map((segment) => (TOKENISH.test(segment) && !UUID.test(segment) ? '[redacted]' : segment))
    .join('/');
  if (q < 0) return safePath;
  const query = url
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const key = pair.split('=')[0]!;
      return PLAIN_QUERY.has(key) ? pair : `${key}=[redacted]`;
    });
  return `${safePath}?${query.join('&')}`;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const PHONE = /\+[1-9]\d{6,14}\b/g;

/** Emails and E.164 numbers out of free text (a provider's error often quotes the address it refused). */
export function scrubContacts(text: string): string {
  // An email has an @ and an E.164 number a +: most text (every request id, most messages) has neither, and
  // EMAIL's leading class backtracks over the whole string from every position (2.4% of a cached read's CPU).
  const emails = text.includes('@') ? text.replace(EMAIL, '[email]') : text;
  return emails.includes('+') ? emails.replace(PHONE, '[phone]') : emails;
}

/** The same through a log line's fields (plain objects and arrays, a few levels deep). */
function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubContacts(value);
  if (depth <= 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth - 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValue(v, depth - 1)]));
}

type RequestLike = { method?: string; url?: string; hostname?: string; host?: string; ip?: string; socket?: { remotePort?: number } };

/**
 * The process logger; `destination` (stdout by default) lets tests read what
 * would be written. Besides the redaction paths, every line passes two
 * guards for personal data (docs/privacy.md): the request's URL is logged
 * through redactUrl, and emails and phone numbers anywhere in a line's text
 * become [email] / [phone].
 *
 * Stdout is written asynchronously by default (stdoutDestination): one
 * write per batch of lines instead of one per line. `flushLogs` before an
 * intended exit; `process.exit` flushes what is left too.
 */
export function createLogger(config: Pick<Config, 'env'>, name = 'tempus', destination?: DestinationStream): Logger {
  return pino(
    {
      name,
      level: config.env.LOG_LEVEL,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        // The URL is the one field of a request line a caller fills freely (a path segment, a plain parameter's
        // value such as from=): contact data is scrubbed here, because formatters.log walks plain objects only
        // and never sees inside the request.
        req: (req: RequestLike) => ({ method: req.method, url: req.url === undefined ? undefined : scrubContacts(redactUrl(req.url)), host: req.host ?? req.hostname, remoteAddress: req.ip }),
      },
      formatters: {
        level: (label) => ({ level: label.toUpperCase() }),
        log: (object) => scrubValue(object, 4) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          // The message is the last string argument; fields were scrubbed by formatters.log.
          const i = args.findIndex((a) => typeof a === 'string');
          if (i >= 0) (args as unknown[])[i] = scrubContacts(args[i] as string);
          return method.apply(this, args);
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? stdoutDestination(config.env),
  );
}

type LogWriteSettings = Partial<Pick<Config['env'], 'LOG_SYNC' | 'LOG_BUFFER_BYTES' | 'LOG_FLUSH_INTERVAL_MS'>>;

/** One stdout stream per process and mode: every logger of the process writes through it, so lines keep their order. */
const stdoutStreams = new Map<string, SonicBoom>();

/**
 * Stdout through sonic-boom (pino.destination). Synchronous (LOG_SYNC), it
 * is one write(2) per line: under load the access line's write was the
 * largest single cost of a cached read in one profile (docs/performance.md,
 * "the write path"), yet batching them measured no cheaper per request in
 * three quiet runs, so synchronous is the default: a SIGKILL loses nothing.
 * Asynchronous (LOG_SYNC=false), lines wait in memory until
 * LOG_BUFFER_BYTES are there or LOG_FLUSH_INTERVAL_MS has passed and go out
 * in one write. None is lost on an ordinary exit: pino registers the stream
 * to be flushed synchronously on process exit (every path of close-with-grace,
 * an uncaught exception, process.exit after a failed start-up ends there), and
 * the shutdown paths await flushLogs first. A SIGKILL loses what was waiting.
 */
export function stdoutDestination(env: LogWriteSettings = {}): SonicBoom {
  const sync = env.LOG_SYNC ?? true;
  // At least 1 when asynchronous: sonic-boom's flush waits for the writes in flight only when minLength > 0.
  const minLength = sync ? 0 : Math.max(1, env.LOG_BUFFER_BYTES ?? 4_096);
  const periodicFlush = sync ? 0 : (env.LOG_FLUSH_INTERVAL_MS ?? 100);
  const id = `${sync}:${minLength}:${periodicFlush}`;
  let stream = stdoutStreams.get(id);
  if (!stream) stdoutStreams.set(id, (stream = pino.destination({ dest: 1, sync, minLength, periodicFlush }) as SonicBoom));
  return stream;
}

/**
 * Writes what the logger's destination still holds, and resolves once it is
 * out (or at once for a destination with nothing to flush, such as a test's
 * stream). Never rejects: a shutdown must not fail on its last log line.
 */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      logger.flush((err) => {
        if (err) flushSyncQuietly(logger);
        resolve();
      });
    } catch {
      flushSyncQuietly(logger);
      resolve();
    }
  });
}

function flushSyncQuietly(logger: Logger): void {
  try {
    ((logger as unknown as Record<symbol, { flushSync?: () => void }>)[pino.symbols.streamSym])?.flushSync?.();
  } catch {
    // Nothing more can be done for a line that stdout refuses.
  }
}

/** The end of a process that cannot go on (failed start-up): its last lines written, then exit. */
export async function exitAfterLogs(logger: Logger, code: number): Promise<never> {
  await flushLogs(logger);
  process.exit(code);
}
