import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/**
 * Paths pino blanks in every log line. Tokens, passwords and secrets must never reach a log:
 * request headers carry tokens, OAuth bodies carry client secrets and codes.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.client_secret',
  '*.refresh_token',
  '*.access_token',
  '*.code',
  '*.token',
  'password',
  'client_secret',
  'refresh_token',
  'access_token',
  'token',
];

export function createLogger(config: Pick<Config, 'logLevel'>, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'mailroom' },
  };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}
