import type { Database } from '../db/database.js';

/** File bytes kept in the database (`file_blobs`), for FILE_STORAGE=database. */
export async function insertFileBlob(db: Database, fileId: string, bytes: Buffer): Promise<void> {
  await db.insertInto('file_blobs').values({ file_id: fileId, bytes }).execute();
}

export async function findFileBlob(db: Database, fileId: string): Promise<Buffer | null> {
  const row = await db.selectFrom('file_blobs').select('bytes').where('file_id', '=', fileId).executeTakeFirst();
  return row ? Buffer.from(row.bytes) : null;
}
