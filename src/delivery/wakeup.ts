import { EventEmitter } from 'node:events';
import { sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { DatabaseTarget } from '../config.js';
import type { DB } from '../db/schema.js';
import type { Logger } from '../logger.js';

/**
 * How a committed mail reaches an idle worker at once instead of at its next timer.
 * - In-process: an event, emitted by the accepting code right after its commit.
 * - PostgreSQL: `pg_notify` inside the accepting transaction (delivered only if it commits) and
 *   one LISTEN connection per worker process, so API and worker processes may be different.
 */
export interface Wakeup {
  /** Inside the accepting transaction. */
  notifyInTransaction(tx: Transaction<DB>): Promise<void>;
  /** After the commit, for workers in this process. */
  notifyLocal(): void;
  /** Starts listening (PostgreSQL) and calls `listener` on every wake-up; returns an unsubscribe. */
  subscribe(listener: () => void): Promise<() => void>;
  close(): Promise<void>;
}

export function createWakeup(target: DatabaseTarget, log: Logger): Wakeup {
  const events = new EventEmitter();
  events.setMaxListeners(100);
  const channel = target.kind === 'postgres' ? `mailroom_due_${target.schema}` : '';
  let client: pg.Client | null = null;
  let connecting: Promise<void> | null = null;

  const listen = async (): Promise<void> => {
    if (target.kind !== 'postgres' || client) return;
    const c = new pg.Client({ connectionString: target.url });
    c.on('notification', () => events.emit('wake'));
    c.on('error', (error) => {
      log.warn({ err: error, event: 'wakeup.listen_failed' }, 'LISTEN connection lost; workers fall back to their timers');
      client = null;
      connecting = null;
    });
    await c.connect();
    await c.query(`LISTEN "${channel}"`);
    client = c;
  };

  return {
    async notifyInTransaction(tx) {
      if (target.kind === 'postgres') await sql`select pg_notify(${channel}, '')`.execute(tx);
    },
    notifyLocal() {
      events.emit('wake');
    },
    async subscribe(listener) {
      events.on('wake', listener);
      connecting ??= listen();
      await connecting;
      return () => events.off('wake', listener);
    },
    async close() {
      events.removeAllListeners();
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
