import type { Context } from '../context.js';
import type { Database } from '../db/database.js';
import type { FolderChoice } from './template-input.js';
import { ensureFolder, listFolders } from './template-repository.js';

/**
 * The id of the folder an item chose. `{id}` was checked by `prepareTemplateItem`; `{name}` reuses
 * the org's folder of that name (ignoring case, so "public email templates" does not make a twin)
 * or creates it. `db` is the transaction that stores the template.
 */
export async function folderIdFor(ctx: Pick<Context, 'ids'>, db: Database, orgId: string, choice: FolderChoice, now: number): Promise<string> {
  if ('id' in choice) return choice.id;
  const existing = (await listFolders(db, orgId)).find((f) => f.name.toLowerCase() === choice.name.toLowerCase());
  if (existing) return existing.id;
  const folder = await ensureFolder(db, { id: ctx.ids.next(), org_id: orgId, name: choice.name, created_at: now });
  return folder.id;
}
