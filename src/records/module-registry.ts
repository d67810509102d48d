import type { Context } from '../context.js';
import { readCustomModuleRows } from '../cache/cached-reads.js';
import type { Database } from '../db/database.js';
import { findCustomModuleRows, listCustomModuleRows } from './custom-module-repository.js';
import { customModule, STANDARD_MODULES, type ModuleDefinition } from './modules.js';

const STANDARD_BY_LOWER = new Map(STANDARD_MODULES.map((m) => [m.apiName.toLowerCase(), m]));

/**
 * Finds a module by the URL segment. Zoho tolerates the case of the segment (`leads` works,
 * the SDK sends it as given), so the match is case-insensitive.
 */
export async function resolveModule(db: Database, orgId: string, segment: string): Promise<ModuleDefinition | undefined> {
  const standard = STANDARD_BY_LOWER.get(segment.toLowerCase());
  if (standard) return standard;
  const rows = await findCustomModuleRows(db, orgId);
  const row = rows.find((r) => r.api_name.toLowerCase() === segment.toLowerCase());
  return row ? customModule(row) : undefined;
}

/** `resolveModule` through this process's cache of custom modules (src/cache), for API requests. */
export async function resolveModuleCached(ctx: Context, orgId: string, segment: string): Promise<ModuleDefinition | undefined> {
  const standard = STANDARD_BY_LOWER.get(segment.toLowerCase());
  if (standard) return standard;
  const row = (await readCustomModuleRows(ctx, orgId)).find((r) => r.api_name.toLowerCase() === segment.toLowerCase());
  return row ? customModule(row) : undefined;
}

export async function listModules(db: Database, orgId: string): Promise<ModuleDefinition[]> {
  const rows = await listCustomModuleRows(db, orgId);
  return [...STANDARD_MODULES, ...rows.map(customModule)];
}
