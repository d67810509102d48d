import { sql } from 'kysely';
import pg from 'pg';
import type { DatabaseTarget } from '../config.js';
import { pgConnectionOptions, type Database } from './database.js';

/**
 * PostgreSQL LISTEN/NOTIFY, for `delivery/wakeup.ts`: the SQL and the dedicated connection live
 * here, the reconnecting and waking there.
 */

/** `pg_notify(channel)`: inside a transaction, delivered only if it commits. */
export async function notifyChannel(db: Database, channel: string): Promise<void> {
  await sql`select pg_notify(${channel}, '')`.execute(db);
}

/** One open LISTEN connection. */
export interface ListenConnection {
  end(): Promise<void>;
}

export type ListenEvents = {
  /** A notification arrived on the channel. */
  notification(): void;
  /** The connection broke after it was opened (error or end); `connection` says which one. */
  lost(connection: ListenConnection, error: unknown): void;
};

/** Opens a connection of its own and LISTENs on `channel`; rejects (and closes it) if either fails. */
export async function openListenConnection(
  target: Extract<DatabaseTarget, { kind: 'postgres' }>,
  applicationName: string,
  channel: string,
  events: ListenEvents,
): Promise<ListenConnection> {
  const c = new pg.Client(pgConnectionOptions(target, applicationName));
  const connection: ListenConnection = { end: () => c.end() };
  c.on('notification', () => events.notification());
  // Without an 'error' listener a lost connection would kill the process (node-postgres emits it).
  c.on('error', (error) => events.lost(connection, error));
  c.on('end', () => events.lost(connection, new Error('LISTEN connection ended')));
  try {
    await c.connect();
    await c.query(`LISTEN "${channel}"`);
  } catch (error) {
    await c.end().catch(() => undefined);
    throw error;
  }
  return connection;
}
