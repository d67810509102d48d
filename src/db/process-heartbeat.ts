import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { errorCode, isDatabaseUnavailable } from './availability.js';
import type { Database } from './database.js';

/**
 * "This API process is alive": a row in `process_heartbeats` refreshed every HEARTBEAT_SECONDS
 * while the HTTP API runs. An Idempotency-Key held by a request of a process that stopped beating
 * for `staleAfterMs` belongs to a request that died with its process (SIGKILL, crash, power),
 * and is released (src/mail/idempotency.ts).
 */
export interface ProcessHeartbeat {
  /** This process's id, recorded as the owner of the keys its requests hold. */
  readonly id: string;
  /** A process silent this long (3 intervals) is taken for dead. */
  readonly staleAfterMs: number;
  /** Writes the first beat, then one per interval; idempotent. */
  start(): Promise<void>;
  /** Stops beating and removes the row (an orderly exit releases nothing: its requests finished). */
  stop(): Promise<void>;
}

/** Rows of processes silent for this long are removed when a process starts. */
const FORGET_AFTER_MS = 24 * 3600 * 1000;

export function createProcessHeartbeat(db: Database, clock: Clock, log: Logger, intervalMs: number): ProcessHeartbeat {
  const id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  let timer: NodeJS.Timeout | null = null;
  let failing = false;
  let startedAt = 0;

  const beat = async (): Promise<void> => {
    const now = clock.now();
    try {
      await db
        .insertInto('process_heartbeats')
        .values({ id, host: hostname().slice(0, 255), pid: process.pid, started_at: startedAt, last_seen: now })
        .onConflict((oc) => oc.column('id').doUpdateSet({ last_seen: now }))
        .execute();
      if (failing) log.info({ event: 'heartbeat.restored', process: id }, 'heartbeat written again');
      failing = false;
    } catch (error) {
      // Weather: the next beat tries again. Other processes may meanwhile take this one for dead
      // and take over its Idempotency-Keys; its requests then fail at commit instead of duplicating.
      if (!failing) {
        log.warn({ event: 'heartbeat.failed', process: id, err: error, error_code: errorCode(error), database_unavailable: isDatabaseUnavailable(error) }, 'could not record that this process is alive');
      }
      failing = true;
    }
  };

  return {
    id,
    staleAfterMs: 3 * intervalMs,
    async start() {
      if (timer) return;
      startedAt = clock.now();
      timer = setInterval(() => void beat(), intervalMs);
      timer.unref();
      await db
        .deleteFrom('process_heartbeats')
        .where('last_seen', '<', startedAt - FORGET_AFTER_MS)
        .execute()
        .catch(() => undefined);
      await beat();
    },
    async stop() {
      if (!timer) return;
      clearInterval(timer);
      timer = null;
      await db
        .deleteFrom('process_heartbeats')
        .where('id', '=', id)
        .execute()
        .catch(() => undefined);
    },
  };
}
