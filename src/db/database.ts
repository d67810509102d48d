import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import type { DatabaseTarget } from '../config.js';
import type { DB } from './schema.js';

export type Database = Kysely<DB>;
export type Dialect = 'sqlite' | 'postgres';

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
export async function createDatabase(target: DatabaseTarget): Promise<DatabaseHandle> {
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
  if (schema !== 'public') {
    // Create the schema before the pool pins search_path to it.
    const admin = new pg.Client({ connectionString: target.url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: target.url,
    max: target.poolSize,
    options: `-c search_path="${schema}" -c statement_timeout=30000`,
  });
  pool.on('error', () => {
    // An idle client lost its connection (server restart); the pool replaces it on next use.
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
