import type { Database } from '../db/database.js';
import type { InventoryTemplateTable } from '../db/schema.js';

export type InventoryTemplateRow = InventoryTemplateTable;

export async function insertInventoryTemplate(db: Database, row: InventoryTemplateRow): Promise<void> {
  await db.insertInto('inventory_templates').values(row).execute();
}

/** One admin-made template of an org; another org's id finds nothing. */
export async function findInventoryTemplateRow(db: Database, orgId: string, id: string): Promise<InventoryTemplateRow | undefined> {
  return db.selectFrom('inventory_templates').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function listInventoryTemplateRows(db: Database, orgId: string, module?: string): Promise<InventoryTemplateRow[]> {
  let query = db.selectFrom('inventory_templates').selectAll().where('org_id', '=', orgId);
  if (module !== undefined) query = query.where('module', '=', module);
  return query.orderBy('id').execute();
}

/** Last use of each template of an org (built-in and admin-made alike), by template id. */
export async function findTemplateUsage(db: Database, orgId: string, templateIds: readonly string[]): Promise<Map<string, number>> {
  if (templateIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('inventory_template_usage')
    .select(['template_id', 'last_used_at'])
    .where('org_id', '=', orgId)
    .where('template_id', 'in', [...templateIds])
    .execute();
  return new Map(rows.map((r) => [r.template_id, r.last_used_at]));
}

/**
 * Records a use at `at`. An upsert, so concurrent sends never fail on the key; the time only
 * moves forward, so a slow transaction cannot overwrite a later use with an earlier one.
 */
export async function upsertTemplateUsage(db: Database, orgId: string, templateId: string, at: number): Promise<void> {
  await db
    .insertInto('inventory_template_usage')
    .values({ org_id: orgId, template_id: templateId, last_used_at: at })
    .onConflict((oc) =>
      oc
        .columns(['org_id', 'template_id'])
        .doUpdateSet({ last_used_at: at })
        .where('inventory_template_usage.last_used_at', '<', at),
    )
    .execute();
}
