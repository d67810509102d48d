import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';

/**
 * A database that went away (restart, killed session, network cut, a lock held past the busy
 * timeout, a full disk) is weather, not a bug: requests answer 503 SERVICE_UNAVAILABLE with
 * `Retry-After`, workers pause and come back by themselves, and no process exits over it.
 * This file decides which errors are that kind, in one place.
 */

/** `Retry-After` of a 503 during a database outage: the pool reconnects on the next request. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * SQLSTATE classes: 08 connection exception, 53 insufficient resources (disk full, too many
 * connections), 57 operator intervention (57P01 terminated by an administrator, 57P02 crash,
 * 57P03 starting up or shutting down, 57014 statement timeout), 58 system error (I/O).
 */
const PG_CLASSES = new Set(['08', '53', '57', '58']);
/** Socket errors from the driver's connection to the server. */
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
/** node-postgres and pg-pool raise these without a code (and Kysely one for a discarded connection). */
const PG_MESSAGES = [
  /^Connection terminated/,
  /is not queryable$/,
  /^timeout exceeded when trying to connect$/,
  /^Query read timeout$/,
  /^Postgres connection has been discarded$/,
];
/** better-sqlite3: the lock was held past busy_timeout, or the disk failed or filled up. */
const SQLITE_CODE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY)(_|$)/;

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  const { code, message, cause, errors } = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') {
    if (/^[0-9A-Z]{5}$/.test(code) && PG_CLASSES.has(code.slice(0, 2))) return true;
    if (NET_CODES.has(code) || SQLITE_CODE.test(code)) return true;
  }
  if (typeof message === 'string' && PG_MESSAGES.some((pattern) => pattern.test(message))) return true;
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return cause !== undefined && isDatabaseUnavailable(cause, depth + 1);
}

/**
 * The error's code (SQLSTATE, errno or SQLite code), or its cause's, for a log line's flat
 * `error_code` (an outage's code is often on the cause, not on the error logged as `err`).
 */
export function errorCode(error: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof error !== 'object' || error === null) return undefined;
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  return typeof code === 'string' ? code : errorCode(cause, depth + 1);
}

/** Wait before retry `attempt` (0-based): 250 ms doubling, at most `capMs`. Deterministic, so tests can reason about it. */
export function backoffMs(attempt: number, capMs = 5000): number {
  return Math.min(capMs, 250 * 2 ** Math.min(attempt, 16));
}

/**
 * Runs `operation` until it succeeds, waiting `backoffMs` between attempts, as long as it fails
 * because the database is unavailable; any other error is thrown at once. For writes whose facts
 * exist only in this process's memory (a delivery outcome after the SMTP server said 250), so
 * an outage delays them instead of losing them. Logs `<event>_failed` (warn) per failed attempt
 * and `<event>_recovered` (info) once it went through after failures.
 */
export async function retryWhileDatabaseUnavailable<T>(
  log: Logger,
  event: string,
  fields: Record<string, unknown>,
  operation: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt += 1) {
    try {
      const result = await operation();
      if (attempt > 0) log.info({ event: `${event}_recovered`, ...fields, attempts: attempt + 1, waited_ms: Date.now() - started }, 'database write went through after an outage');
      return result;
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      const wait = backoffMs(attempt);
      log.warn({ event: `${event}_failed`, ...fields, err: error, error_code: errorCode(error), attempt: attempt + 1, retry_in_ms: wait }, 'database unavailable; keeping the result in memory and retrying');
      await sleep(wait);
    }
  }
}
