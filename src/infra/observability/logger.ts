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

/** The process logger; `destination` (stdout by default) lets tests read what would be written. */
export function createLogger(config: Pick<Config, 'env'>, name = 'tempus', destination?: DestinationStream): Logger {
  return pino(
    {
    name,
    level: config.env.LOG_LEVEL,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label.toUpperCase() }) },
    timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
