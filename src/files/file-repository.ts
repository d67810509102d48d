import type { Database } from '../db/database.js';
import type { FileTable } from '../db/schema.js';

export type FileRow = FileTable;

export async function insertFile(db: Database, row: FileRow): Promise<void> {
  await db.insertInto('files').values(row).execute();
}

export async function findFile(db: Database, orgId: string, fileId: string): Promise<FileRow | undefined> {
  if (!/^[0-9a-f]{64}$/.test(fileId)) return undefined;
  return db.selectFrom('files').selectAll().where('org_id', '=', orgId).where('id', '=', fileId).executeTakeFirst();
}

export async function findFiles(db: Database, orgId: string, fileIds: readonly string[]): Promise<FileRow[]> {
  const ids = fileIds.filter((id) => /^[0-9a-f]{64}$/.test(id));
  if (ids.length === 0) return [];
  return db.selectFrom('files').selectAll().where('org_id', '=', orgId).where('id', 'in', ids).execute();
}

/** An inline image by id alone (its id is the capability: 256 random bits). */
export async function findInlineImage(db: Database, fileId: string): Promise<FileRow | undefined> {
  if (!/^[0-9a-f]{64}$/.test(fileId)) return undefined;
  return db.selectFrom('files').selectAll().where('id', '=', fileId).where('is_inline', '=', 1).executeTakeFirst();
}
