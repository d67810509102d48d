import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './database.js';
import * as m0001 from './migrations/0001-foundation.js';
import * as m0002 from './migrations/0002-mail.js';
import * as m0003 from './migrations/0003-files.js';
import * as m0004 from './migrations/0004-email-templates.js';
import * as m0005 from './migrations/0005-inventory-templates.js';
import * as m0006 from './migrations/0006-limits.js';
import * as m0007 from './migrations/0007-mail-quota.js';
import * as m0008 from './migrations/0008-queue-lanes.js';
import * as m0009 from './migrations/0009-compliance.js';
import * as m0010 from './migrations/0010-ui.js';

/** Every migration, listed explicitly (no directory scanning), in order. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-foundation': m0001,
  '0002-mail': m0002,
  '0003-files': m0003,
  '0004-email-templates': m0004,
  '0005-inventory-templates': m0005,
  '0006-limits': m0006,
  '0007-mail-quota': m0007,
  '0008-queue-lanes': m0008,
  '0009-compliance': m0009,
  '0010-ui': m0010,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * Brings the schema up to date; safe to run from several processes at once (Kysely takes a lock).
 * On PostgreSQL the schema must be named: Kysely looks its bookkeeping tables up in
 * information_schema, and without a schema it finds those of any other schema in the database.
 */
export async function migrateToLatest(db: Database, schema?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
