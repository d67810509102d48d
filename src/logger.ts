import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/**
 * Paths pino blanks in every log line. Tokens, passwords and secrets must never reach a log:
 * request headers carry tokens, OAuth bodies carry client secrets and grant codes.
 *
 * A grant code is a `code` field of a request's body or query (the token endpoint's form or URL;
 * URLs are also redacted as text below). Other `code` fields stay readable: an error's `code`
 * (SQLSTATE, errno, Fastify's FST_…) is what an operator needs to read.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.client_secret',
  '*.refresh_token',
  '*.access_token',
  'body.code',
  'query.code',
  '*.body.code',
  '*.query.code',
  '*.token',
  'password',
  'client_secret',
  'refresh_token',
  'access_token',
  'token',
];

/**
 * Query parameters whose values are credentials wherever they appear in a URL (compared after
 * percent-decoding, case-insensitively). OAuth's token endpoint takes all of its parameters in
 * the query too (`POST /oauth/v2/token?grant_type=refresh_token&refresh_token=…`), and
 * `/oauth/v2/token/revoke?token=`.
 */
export const SECRET_QUERY_PARAMETERS: ReadonlySet<string> = new Set([
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'code',
  'token',
  'password',
  'passwd',
  'pass',
  'secret',
  'api_key',
  'apikey',
  'key',
  'signature',
  'authorization',
  '_csrf',
]);

const CENSOR = '[redacted]';

/**
 * A `name=value` pair of a query string inside any text: a URL on its own, or a URL inside a
 * JSON log line (a value may then hold JSON escapes such as `\"`; it ends at `&`, `#`, white
 * space or the closing quote of the JSON string).
 */
const QUERY_PAIR = /([?&])([^=&?#\s"\\]{1,128})=((?:[^&#\s"\\]|\\(?:u[0-9a-fA-F]{4}|[^u]))*)/g;
/** The consent page's link is its own credential: `/consent/<secret>`. */
const CONSENT_SECRET = /(\/consent\/)[^/?#\s"\\]+/g;

function parameterName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/**
 * `text` with the value of every secret query parameter (and the consent link's secret) replaced
 * by `[redacted]`; the rest of each URL, the parameter names included, stays readable.
 */
export function redactUrlSecrets(text: string): string {
  if (!text.includes('=') && !text.includes('/consent/')) return text;
  return text
    .replace(QUERY_PAIR, (pair, separator: string, name: string) =>
      SECRET_QUERY_PARAMETERS.has(parameterName(name)) ? `${separator}${name}=${CENSOR}` : pair,
    )
    .replace(CONSENT_SECRET, `$1${CENSOR}`);
}

/**
 * The process logger. Every line passes through `redactUrlSecrets` on its way out, whichever
 * field holds the URL: Fastify's `req.url`, an error's message or stack, a free-text message.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: CENSOR },
    base: { service: 'mailroom' },
  };
  const target: { write(line: string): unknown } = destination ?? pino.destination(1);
  return pino(options, { write: (line: string) => target.write(redactUrlSecrets(line)) });
}
