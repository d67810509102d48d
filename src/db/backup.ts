import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';

/**
 * An online backup of the embedded SQLite database (`mailroom backup`), with SQLite's backup API
 * through its own read connection: the server and the worker may go on writing meanwhile (the copy
 * is one consistent snapshot; SQLite restarts the copy when another connection writes under it).
 * The file is written next to its final name and renamed, so a failed backup never leaves a
 * half-written file under that name. PostgreSQL is backed up with pg_dump (docs/operations.md).
 */
export async function backupSqlite(source: string, destination: string): Promise<{ bytes: number; pages: number }> {
  if (!fs.existsSync(source)) throw new Error(`there is no database at ${source}`);
  const partial = path.join(path.dirname(destination), `.${path.basename(destination)}.partial`);
  const sqlite = new SQLite(source, { readonly: true, fileMustExist: true });
  try {
    const { totalPages } = await sqlite.backup(partial);
    // The copy is a standalone database file: no WAL beside it.
    const copy = new SQLite(partial);
    try {
      copy.pragma('journal_mode = DELETE');
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed SQLite's quick_check: ${String(check)}`);
    } finally {
      copy.close();
    }
    fs.renameSync(partial, destination);
    return { bytes: fs.statSync(destination).size, pages: totalPages };
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  } finally {
    sqlite.close();
  }
}
