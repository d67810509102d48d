import fs from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../db/database.js';

/**
 * Where file bytes live. Keys are Mailroom's random file ids (never user-given names).
 * - disk: under DATA_DIR/files (the embedded default: one machine, one process);
 * - database: the `file_blobs` table (PostgreSQL: every process on every machine sees the bytes).
 * An S3-compatible store would be one more implementation of this interface.
 */
export interface FileStorage {
  readonly kind: 'disk' | 'database';
  put(fileId: string, bytes: Buffer, db?: Database): Promise<void>;
  get(fileId: string): Promise<Buffer | null>;
}

const SAFE_ID = /^[0-9a-f]{64}$/;

export function createDiskStorage(root: string): FileStorage {
  const pathOf = (fileId: string): string => {
    if (!SAFE_ID.test(fileId)) throw new Error('invalid file id');
    return path.join(root, fileId.slice(0, 2), fileId);
  };
  return {
    kind: 'disk',
    async put(fileId, bytes) {
      const file = pathOf(fileId);
      await fs.mkdir(path.dirname(file), { recursive: true });
      // Write then rename, so a crash never leaves a half-written file under the final name.
      const temp = `${file}.${process.pid}.tmp`;
      const handle = await fs.open(temp, 'w', 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, file);
    },
    async get(fileId) {
      try {
        return await fs.readFile(pathOf(fileId));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
  };
}

export function createDatabaseStorage(db: Database): FileStorage {
  return {
    kind: 'database',
    async put(fileId, bytes, tx = db) {
      await tx.insertInto('file_blobs').values({ file_id: fileId, bytes }).execute();
    },
    async get(fileId) {
      const row = await db.selectFrom('file_blobs').select('bytes').where('file_id', '=', fileId).executeTakeFirst();
      return row ? Buffer.from(row.bytes) : null;
    },
  };
}
