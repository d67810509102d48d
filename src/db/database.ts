import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import type { DatabaseTarget } from '../config.js';
import type { Logger } from '../logger.js';
import { errorCode } from './availability.js';
import type { DB } from './schema.js';

export type Database = Kysely<DB>;
export type Dialect = 'sqlite' | 'postgres';

/**
 * Runs `work` in one transaction: committed when it returns, rolled back when it throws. Use-cases
 * open transactions through this and hand the transaction to repositories, so only repositories and
 * `src/db/` speak Kysely.
 */
export function inTransaction<T>(db: Database, work: (tx: Database) => Promise<T>): Promise<T> {
  return db.transaction().execute(work);
}

/**
 * Which database a handle, or a transaction opened on it, talks to: for the few statements that
 * must differ (claims with SKIP LOCKED, upserts). Repositories ask this of the handle they were
 * given, so nothing above them carries the dialect around.
 */
export function dialectOf(db: Kysely<DB>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** One trivial statement: resolves once the database answers (health checks). */
export async function pingDatabase(db: Database): Promise<void> {
  await sql`select 1`.execute(db);
}

export interface DatabaseHandle {
  db: Database;
  dialect: Dialect;
  /** PostgreSQL schema holding Mailroom's tables; undefined on SQLite. */
  schema?: string;
  /** Human description for logs, without credentials. */
  describe: string;
  close(): Promise<void>;
}

// int8 (bigint: epoch-ms columns, count(*)) arrives from pg as a string; every such value we store
// is far below 2^53, so numbers are safe and match what SQLite returns.
pg.types.setTypeParser(20, (value: string) => Number(value));

/**
 * Connection settings of every PostgreSQL connection Mailroom opens (the pool and LISTEN):
 * - `application_name` names the process (`mailroom-api:<pid>`, `mailroom-worker:<pid>`), so an
 *   operator or a fault test can find (and `pg_terminate_backend`) exactly its sessions;
 * - a connection attempt gives up after CONNECT_TIMEOUT_MS (so does waiting for a free pooled
 *   connection), so a request during an outage answers 503 instead of hanging;
 * - TCP keepalive notices a peer that vanished without closing the socket;
 * - statement_timeout bounds a statement, idle_in_transaction_session_timeout frees the locks of a
 *   transaction whose process hung (Mailroom never leaves one idle for long).
 */
export const CONNECT_TIMEOUT_MS = 10_000;

export function pgConnectionOptions(target: Extract<DatabaseTarget, { kind: 'postgres' }>, applicationName: string): pg.ClientConfig {
  return {
    connectionString: target.url,
    application_name: applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    options: `-c search_path="${target.schema}" -c statement_timeout=30000 -c idle_in_transaction_session_timeout=60000`,
  };
}

/** `application_name` of this process's connections: its role and pid (at most 63 characters). */
export function applicationNameOf(role: string): string {
  return `${role}:${process.pid}`.slice(0, 63);
}

/** Prepared statements kept per SQL text; Kysely's SQLite driver would otherwise prepare every query anew. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * better-sqlite3 with a bounded cache of prepared statements (least recently used dropped first).
 * Preparing cost as much as running the small statements a delivery makes. Safe because
 * better-sqlite3 runs each statement to completion synchronously and Mailroom never streams
 * (`iterate`) on SQLite, so one statement object is never in use twice at once.
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (statement) {
        cache.delete(text);
      } else {
        statement = sqlite.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, statement);
      return statement as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}

/**
 * The single place where SQLite or PostgreSQL is chosen. Everything above this file speaks Kysely
 * and must not care which one it got; where SQL must differ, branch on `dialect` in one function
 * and say why.
 */
export async function createDatabase(
  target: DatabaseTarget,
  options: { log?: Logger; applicationName?: string } = {},
): Promise<DatabaseHandle> {
  if (target.kind === 'sqlite') {
    fs.mkdirSync(path.dirname(target.file), { recursive: true });
    const sqlite = new SQLite(target.file);
    // WAL for concurrent readers; synchronous=FULL so an acknowledged commit survives power loss.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    return {
      db,
      dialect: 'sqlite',
      describe: `sqlite:${target.file}`,
      close: () => db.destroy(),
    };
  }

  const schema = target.schema;
  const connection = pgConnectionOptions(target, options.applicationName ?? applicationNameOf('mailroom'));
  if (schema !== 'public') {
    // Create the schema before the pool pins search_path to it.
    const admin = new pg.Client(connection);
    // A lost connection rejects the pending query; without a listener it would also crash the process.
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({ ...connection, max: target.poolSize });
  // node-postgres emits 'error' on a client whose connection is lost (server restart,
  // pg_terminate_backend, network): an EventEmitter 'error' without a listener kills the process.
  // The pool listens only while a client is idle, so every client gets its own listener when it
  // is created: the query in progress is rejected (a request answers 503, a worker pauses), the
  // broken client is discarded on release, and the pool connects a new one on the next use.
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      options.log?.warn({ event: 'db.connection_lost', err: error, error_code: errorCode(error) }, 'a database connection was lost; the pool opens a new one on next use');
    });
  });
  pool.on('error', () => {
    // An idle client lost its connection: already logged by its own listener above.
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const { rows } = await sql<{ synchronous_commit: string }>`SHOW synchronous_commit`.execute(db);
  if (rows[0]?.synchronous_commit === 'off') {
    await db.destroy();
    throw new Error(
      'PostgreSQL has synchronous_commit=off: an acknowledged mail could be lost on a crash. ' +
        'Set synchronous_commit=on for the Mailroom database (ALTER DATABASE … SET synchronous_commit = on).',
    );
  }
  const url = new URL(target.url);
  return {
    db,
    dialect: 'postgres',
    schema,
    describe: `postgres://${url.host}${url.pathname} (schema ${schema})`,
    close: () => db.destroy(),
  };
}
