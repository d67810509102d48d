import { CompiledQuery, type Insertable } from 'kysely';
import { dialectOf, type Database } from './database.js';
import type { DB } from './schema.js';

/**
 * `insert into <table> (<columns>) values (…), (…)` for rows of one shape, with its SQL text made
 * once per table, column list and row count and kept (issue 16: Kysely's builder and compiler
 * spent more CPU on send_mail's wide inserts than SQLite spent running them). The values go as
 * parameters exactly as Kysely's `insertInto(table).values(rows)` would send them; every row must
 * have the same keys (the first row's, in its order). Table and column names come from our own
 * typed rows, never from input, and are quoted all the same.
 */
const texts = new Map<string, string>();
const TEXTS_KEPT = 500;

export async function insertRows<T extends keyof DB & string>(db: Database, table: T, rows: readonly Insertable<DB[T]>[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const parameters: unknown[] = [];
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    if (Object.keys(record).length !== columns.length) throw new Error(`insertRows(${table}): rows of different shapes`);
    for (const column of columns) {
      if (!(column in record)) throw new Error(`insertRows(${table}): a row lacks ${column}`);
      parameters.push(record[column]);
    }
  }
  const dialect = dialectOf(db);
  const key = `${dialect}|${table}|${rows.length}|${columns.join(',')}`;
  let text = texts.get(key);
  if (text === undefined) {
    const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
    let n = 0;
    const placeholder = dialect === 'postgres' ? () => `$${++n}` : () => '?';
    const tuple = () => `(${columns.map(placeholder).join(', ')})`;
    text = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${Array.from({ length: rows.length }, tuple).join(', ')}`;
    if (texts.size >= TEXTS_KEPT) texts.clear();
    texts.set(key, text);
  }
  await db.executeQuery(CompiledQuery.raw(text, parameters));
}
