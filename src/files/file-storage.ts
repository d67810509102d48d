import fs from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../db/database.js';
import { findFileBlob, insertFileBlob } from './file-blob-repository.js';

/**
 * Where file bytes live, as FILE_STORAGE says (src/config.ts). Keys are Mailroom's random file
 * ids (never user-given names).
 * - disk: under DATA_DIR/files (the default on SQLite: one machine);
 * - database: the `file_blobs` table (the default on PostgreSQL: every process on every machine sees the bytes).
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
      await insertFileBlob(tx, fileId, bytes);
    },
    async get(fileId) {
      return findFileBlob(db, fileId);
    },
  };
}
