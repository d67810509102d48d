import { EventEmitter } from 'node:events';
import type { DatabaseTarget } from '../config.js';
import { backoffMs, errorCode } from '../db/availability.js';
import type { Database } from '../db/database.js';
import { notifyChannel, openListenConnection, type ListenConnection } from '../db/notify.js';
import type { Logger } from '../logger.js';

/**
 * How a committed mail reaches an idle worker at once instead of at its next timer.
 * - In-process: an event, emitted by the accepting code right after its commit.
 * - PostgreSQL: `pg_notify` inside the accepting transaction (delivered only if it commits) and
 *   one LISTEN connection per worker process, so API and worker processes may be different.
 *   A lost LISTEN connection is reopened with back-off (0.25 s doubling to 5 s); once it is back
 *   the workers are woken, so mail accepted while nobody listened goes out at once.
 *   Log events: `wakeup.listen_lost`, `wakeup.reconnect_failed`, `wakeup.listen_restored`.
 */
export interface Wakeup {
  /** Inside the accepting transaction. */
  notifyInTransaction(tx: Database): Promise<void>;
  /** After the commit, for workers in this process. */
  notifyLocal(): void;
  /** Starts listening (PostgreSQL) and calls `listener` on every wake-up; returns an unsubscribe. */
  subscribe(listener: () => void): Promise<() => void>;
  close(): Promise<void>;
}

export function createWakeup(target: DatabaseTarget, log: Logger, applicationName: string): Wakeup {
  const events = new EventEmitter();
  events.setMaxListeners(100);
  const channel = target.kind === 'postgres' ? `mailroom_due_${target.schema}` : '';
  let client: ListenConnection | null = null;
  let connecting: Promise<void> | null = null;
  let closed = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let attempt = 0;
  let lostAt = 0;

  const connect = async (): Promise<void> => {
    if (target.kind !== 'postgres') return;
    const c = await openListenConnection(target, applicationName, channel, {
      notification: () => events.emit('wake'),
      lost: (connection, error) => lost(connection, error),
    });
    if (closed) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
  };

  /** The LISTEN connection broke (restart, pg_terminate_backend, network): reconnect with back-off. */
  const lost = (c: ListenConnection, error: unknown) => {
    if (client !== c) return;
    client = null;
    lostAt = Date.now();
    log.warn({ event: 'wakeup.listen_lost', err: error, error_code: errorCode(error) }, 'LISTEN connection lost; reconnecting, workers fall back to their timers meanwhile');
    reconnectLater();
  };

  const reconnectLater = () => {
    if (closed || retryTimer) return;
    const wait = backoffMs(attempt);
    attempt += 1;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect().then(
        () => {
          if (closed) return;
          log.info({ event: 'wakeup.listen_restored', attempts: attempt, down_ms: Date.now() - lostAt }, 'LISTEN connection restored; waking the workers to catch up');
          attempt = 0;
          // Mail accepted or come due while nobody listened: the workers look now.
          events.emit('wake');
        },
        (error: unknown) => {
          log.warn({ event: 'wakeup.reconnect_failed', err: error, error_code: errorCode(error), attempt }, 'LISTEN reconnect failed; trying again');
          reconnectLater();
        },
      );
    }, wait);
    // The worker keeps its process alive; this timer must not keep a test or CLI process open.
    retryTimer.unref();
  };

  return {
    async notifyInTransaction(tx) {
      if (target.kind === 'postgres') await notifyChannel(tx, channel);
    },
    notifyLocal() {
      events.emit('wake');
    },
    async subscribe(listener) {
      events.on('wake', listener);
      connecting ??= connect().catch((error: unknown) => {
        lostAt = Date.now();
        log.warn({ event: 'wakeup.listen_failed', err: error }, 'could not LISTEN; retrying, workers fall back to their timers meanwhile');
        reconnectLater();
      });
      await connecting;
      return () => events.off('wake', listener);
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      events.removeAllListeners();
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
