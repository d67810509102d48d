import { sql } from 'kysely';
import { dialectOf, type Database } from './database.js';

/**
 * Runs `run` on SQLite with `synchronous = NORMAL` for its statements alone, then puts the
 * connection's setting back: in WAL mode its commit is written (a crash of Mailroom's process
 * loses nothing) but not flushed to the disk; the next FULL commit flushes it too (one WAL file,
 * written in order). Lost only if the machine itself stops before that next commit. Kysely hands
 * the one connection to one caller at a time, so nothing else commits in between under NORMAL.
 * On PostgreSQL `run` gets `db` as it is: callers there use UNLOGGED tables or
 * `synchronous_commit = off` for their own transaction.
 *
 * Used where a lost write costs little and a flush per write is most of the cost: API credit
 * counts (src/limits/api-credit-repository.ts) and the "handed over" marks of delivery
 * (decision 0004: the same guarantee as PostgreSQL's `synchronous_commit = off` for them).
 */
export async function withRelaxedDurability<T>(db: Database, run: (conn: Database) => Promise<T>): Promise<T> {
  if (dialectOf(db) === 'postgres') return run(db);
  // createDatabase sets FULL and nothing else changes it: put FULL back without reading it first.
  return db.connection().execute(async (conn) => {
    await sql`pragma synchronous = normal`.execute(conn);
    try {
      return await run(conn);
    } finally {
      await sql`pragma synchronous = full`.execute(conn);
    }
  });
}
