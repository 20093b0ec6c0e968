import pino, { type DestinationStream, type Logger } from 'pino';
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
 * secret address): logged as `[redacted]`, so a log reader cannot subscribe.
 */
const SECRET_PATHS = /^(\/calendar\/)[^/?#]+/;

export const redactUrl = (url: string) => url.replace(SECRET_PATHS, '$1[redacted]');

/** Fastify's request serializer (method, url, host, remote address), with secret paths redacted. */
function requestSerializer(req: { method?: string; url?: string; host?: string; hostname?: string; ip?: string; socket?: { remotePort?: number } }) {
  return {
    method: req.method,
    url: redactUrl(String(req.url ?? '')),
    host: req.host ?? req.hostname,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/** The process logger; `destination` (stdout by default) lets tests read what would be written. */
export function createLogger(config: Pick<Config, 'env'>, name = 'tempus', destination?: DestinationStream): Logger {
  return pino(
    {
    name,
    level: config.env.LOG_LEVEL,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { req: requestSerializer },
    formatters: { level: (label) => ({ level: label.toUpperCase() }) },
    timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
