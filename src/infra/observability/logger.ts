import pino, { type Logger } from 'pino';
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
  '*.code',
  '*.token',
  '*.password',
  '*.subjective',
  '*.objective',
  '*.assessment',
  '*.plan',
  '*.diagnoses',
  '*.prescriptions',
];

export function createLogger(config: Config, name = 'tempus'): Logger {
  return pino({
    name,
    level: config.env.LOG_LEVEL,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label.toUpperCase() }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
