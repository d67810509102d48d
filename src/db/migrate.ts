import { Migrator, sql, type DatabaseIntrospector, type Migration, type MigrationProvider, type TableMetadata } from 'kysely';
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
import * as m0011 from './migrations/0011-attempt-counters.js';
import * as m0012 from './migrations/0012-process-heartbeats.js';
import * as m0013 from './migrations/0013-one-click-unsubscribe.js';
import * as m0014 from './migrations/0014-bounces.js';
import * as m0015 from './migrations/0015-tracking.js';
import * as m0016 from './migrations/0016-webhooks.js';
import * as m0017 from './migrations/0017-replies.js';
import * as m0018 from './migrations/0018-dkim.js';
import * as m0019 from './migrations/0019-mails-record-page.js';

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
  '0011-attempt-counters': m0011,
  '0012-process-heartbeats': m0012,
  '0013-one-click-unsubscribe': m0013,
  '0014-bounces': m0014,
  '0015-tracking': m0015,
  '0016-webhooks': m0016,
  '0017-replies': m0017,
  '0018-dkim': m0018,
  '0019-mails-record-page': m0019,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * Brings the schema up to date; safe to run from several processes at once (Kysely takes a lock).
 * On PostgreSQL the schema must be named: without it Kysely would find the bookkeeping tables of
 * any other schema in the database (and it only ever looks at this one's: `scopedToSchema`).
 */
export async function migrateToLatest(db: Database, schema?: string): Promise<string[]> {
  const migrator = new Migrator({ db: schema ? scopedToSchema(db, schema) : db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * The migrations this code knows that the database has not applied (names, in order): empty when
 * the schema is current. Read-only; `/readyz` asks it (src/health/process-health.ts).
 */
export async function pendingMigrations(db: Database, schema?: string): Promise<string[]> {
  const migrator = new Migrator({ db: schema ? scopedToSchema(db, schema) : db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const known = await migrator.getMigrations();
  return known.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/**
 * The database as the migrator sees it, with table introspection limited to our own schema.
 * Kysely's PostgreSQL introspector reads the columns of every table of every schema and calls
 * `pg_get_serial_sequence` on each; a table another process drops meanwhile (another Mailroom's
 * schema being migrated or dropped on the same server) fails that query with "relation … does not
 * exist", and with it our migration. The migrator only asks whether its two bookkeeping tables
 * exist, so the names of our schema's tables are all it needs.
 */
function scopedToSchema(db: Database, schema: string): Database {
  const getTables = async (): Promise<TableMetadata[]> => {
    const { rows } = await sql<{ name: string }>`
      select c.relname as name from pg_catalog.pg_class c
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       where n.nspname = ${schema} and c.relkind in ('r', 'p', 'v')`.execute(db);
    return rows.map((row) => ({ name: row.name, schema, isView: false, columns: [] }));
  };
  const introspection: DatabaseIntrospector = {
    getSchemas: async () => [{ name: schema }],
    getTables,
    getMetadata: async () => ({ tables: await getTables() }),
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === 'introspection') return introspection;
      const value: unknown = Reflect.get(target, property, target);
      // Kysely's methods use private fields: they must run on the real instance.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
